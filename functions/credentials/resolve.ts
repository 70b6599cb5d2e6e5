/** POST /v1/credentials/resolve (iam): an agent execution's declared credentials, audited. */
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { credentialBroker } from '../../shared/runtime/credential-broker';
import * as z from 'zod/mini';

const Body = z.unknown();

export const handler = httpHandler(
  async (request) => {
    const resolved = await credentialBroker().resolve(parseJsonBody(request, Body), {
      deadline: request.deadline,
      requestId: request.requestId,
      ...(request.callerArn ? { callerArn: request.callerArn } : {}),
    });
    return json(200, resolved, { 'cache-control': 'no-store' });
  },
  { maxBodyBytes: 16 * 1024 },
);

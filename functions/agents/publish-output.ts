/** POST /v1/events (iam): an agent publishes one of its declared outputs as a PlatformEvent. */
import { publishAgentOutput } from '../../shared/agents/outputs';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { registrationStore } from '../../shared/runtime/agents';
import { eventPublisher } from '../../shared/runtime/events';
import * as z from 'zod/mini';

const Body = z.unknown();

export const handler = httpHandler(
  async (request) => {
    const idempotencyKey = request.headers['idempotency-key'];
    const { event_id, topic } = await publishAgentOutput(
      parseJsonBody(request, Body),
      { registrations: registrationStore(), publisher: eventPublisher() },
      { deadline: request.deadline, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) },
    );
    return json(202, { event_id, topic });
  },
  // payload_json may be 256 KB; the envelope around it a little more.
  { maxBodyBytes: 300 * 1024 },
);

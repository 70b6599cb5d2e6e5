/** POST /v1/emails/send (iam): one message to up to 50 recipients through SES or SendGrid, with failover. */
import { SendRequestSchema } from '../../shared/email/contract';
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { emailSendService, unsubscribeOrigin } from '../../shared/runtime/email';

export const handler = httpHandler(
  async (request) => {
    const body = parseJsonBody(request, SendRequestSchema);
    return json(202, await emailSendService().send(body, { deadline: request.deadline, publicBaseUrl: unsubscribeOrigin(request) }));
  },
  { maxBodyBytes: LAMBDA_MAX_BODY_BYTES },
);

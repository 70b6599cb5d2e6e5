/** POST /v1/emails/send-bulk (iam): up to 10,000 recipients, one templated message each, sent by email-bulk-worker. */
import { SendBulkRequestSchema } from '../../shared/email/contract';
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { bulkEmailService, unsubscribeOrigin } from '../../shared/runtime/email';

export const handler = httpHandler(
  async (request) => {
    const body = parseJsonBody(request, SendBulkRequestSchema);
    return json(202, await bulkEmailService().create(body, { publicBaseUrl: unsubscribeOrigin(request) }));
  },
  { maxBodyBytes: LAMBDA_MAX_BODY_BYTES },
);

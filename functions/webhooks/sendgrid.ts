/** POST /webhooks/sendgrid (signature): SendGrid's signed Event Webhook → ionflux.email.delivery_status. */
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { toWebhookRequest, webhookDeadline } from '../../shared/webhooks/http';
import { ingestWebhook } from '../../shared/webhooks/pipeline';
import { sendgridWebhooks } from '../../shared/webhooks/providers/sendgrid/webhook';

export const handler = httpHandler(
  async (request) => json(200, await ingestWebhook(sendgridWebhooks, toWebhookRequest(request), webhookDeps(), { deadline: webhookDeadline(request) })),
  { maxBodyBytes: LAMBDA_MAX_BODY_BYTES },
);

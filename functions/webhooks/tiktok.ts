/** POST /webhooks/tiktok (signature): TikTok webhooks → PlatformEvents on Kafka. */
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { toWebhookRequest, WEBHOOK_ANSWER } from '../../shared/webhooks/http';
import { ingestWebhook } from '../../shared/webhooks/pipeline';
import { tiktokWebhooks } from '../../shared/webhooks/providers/tiktok/webhook';

export const handler = httpHandler(async (request) => json(200, await ingestWebhook(tiktokWebhooks, toWebhookRequest(request), webhookDeps(), { deadline: request.deadline })), {
  maxBodyBytes: LAMBDA_MAX_BODY_BYTES,
  answerWithin: WEBHOOK_ANSWER,
});

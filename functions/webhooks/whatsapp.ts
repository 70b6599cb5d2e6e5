/** POST /webhooks/whatsapp (signature): Meta's WhatsApp webhooks → PlatformEvents on Kafka. */
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { whatsappWebhooks } from '../../shared/runtime/whatsapp-webhooks';
import { toWebhookRequest, WEBHOOK_ANSWER } from '../../shared/webhooks/http';
import { ingestWebhook, type WebhookDeps } from '../../shared/webhooks/pipeline';
import type { WebhookProvider } from '../../shared/webhooks/provider';
import type { WhatsAppDelivery } from '../../shared/webhooks/providers/whatsapp/envelope';

/** The handler over any provider instance and dependencies (the benchmark runs it with in-process stores). */
export const createWhatsAppWebhookHandler = (provider: () => WebhookProvider<WhatsAppDelivery>, deps: () => WebhookDeps) =>
  httpHandler(async (request) => json(200, await ingestWebhook(provider(), toWebhookRequest(request), deps(), { deadline: request.deadline })), {
    maxBodyBytes: LAMBDA_MAX_BODY_BYTES,
    answerWithin: WEBHOOK_ANSWER,
  });

export const handler = createWhatsAppWebhookHandler(whatsappWebhooks, webhookDeps);

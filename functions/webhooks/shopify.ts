/** POST /webhooks/shopify (signature): Shopify webhooks → PlatformEvents on Kafka. */
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { toWebhookRequest, withinWebhookDeadline } from '../../shared/webhooks/http';
import { ingestWebhook, type WebhookDeps } from '../../shared/webhooks/pipeline';
import { shopifyWebhooks } from '../../shared/webhooks/providers/shopify/webhook';

/** The handler over any dependencies (the benchmark runs it with in-process stores). */
export const createShopifyWebhookHandler = (deps: () => WebhookDeps) =>
  httpHandler(
    async (request) =>
      json(200, await withinWebhookDeadline(request, (deadline) => ingestWebhook(shopifyWebhooks, toWebhookRequest(request), deps(), { deadline }))),
    { maxBodyBytes: LAMBDA_MAX_BODY_BYTES },
  );

export const handler = createShopifyWebhookHandler(webhookDeps);

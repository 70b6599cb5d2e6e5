/** Every webhook provider by name (replay of parked deliveries looks them up here). */
import type { WebhookProvider } from '../provider';
import { shopifyWebhooks } from './shopify/webhook';
import { tiktokWebhooks } from './tiktok/webhook';

export const webhookProviders: Record<string, WebhookProvider> = {
  shopify: shopifyWebhooks as unknown as WebhookProvider,
  tiktok: tiktokWebhooks as unknown as WebhookProvider,
};

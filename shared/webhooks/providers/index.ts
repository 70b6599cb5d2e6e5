/** Every inbound provider by name (replay of parked deliveries looks them up here). */
import type { InboundProvider } from '../provider';
import { sendgridWebhooks } from './sendgrid/webhook';
import { sesEvents } from './ses/events';
import { shopifyWebhooks } from './shopify/webhook';
import { tiktokWebhooks } from './tiktok/webhook';

export const webhookProviders: Record<string, InboundProvider> = {
  shopify: shopifyWebhooks as unknown as InboundProvider,
  tiktok: tiktokWebhooks as unknown as InboundProvider,
  sendgrid: sendgridWebhooks as unknown as InboundProvider,
  ses: sesEvents as unknown as InboundProvider,
};

/**
 * MSK trigger on the all-workspaces Shopify topic: remembers each shop's main theme (themes/publish) and
 * the orders seen on Kafka (for reconciliation). See shared/shopify/webhook-state.ts.
 */
import { mskConsumer } from '../../shared/events/msk-consumer';
import { shopStateStore } from '../../shared/runtime/shopify-core';
import { recordWebhookState, WEBHOOK_STATE_EVENT_TYPES } from '../../shared/shopify/webhook-state';

export const handler = mskConsumer(
  async ({ event }) => {
    await recordWebhookState(event, shopStateStore());
  },
  { eventTypes: WEBHOOK_STATE_EVENT_TYPES },
);

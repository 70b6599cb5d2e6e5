/** MSK trigger on the all-workspaces Shopify topic: counts shopify.orders.created per workspace. */
import { mskConsumer } from '../../shared/events/msk-consumer';
import { orderCounters } from '../../shared/runtime/sentinel';

export const handler = mskConsumer(
  async ({ event }) => {
    await orderCounters().record(event);
  },
  // Every write of a workspace lands on its totals item: partitions one at a time.
  { eventTypes: ['shopify.orders.created'], sequentialPartitions: true },
);

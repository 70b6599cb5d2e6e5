/** Hourly (schedule): one `shopify-sync` message per connected shop for an order reconciliation pass. */
import type { ScheduledEvent } from 'aws-lambda';
import { connectionRegistry } from '../../shared/runtime/connections';
import { queue } from '../../shared/runtime/queues';
import { enqueueSyncs } from '../../shared/shopify/sync-jobs';

export const handler = async (_event?: ScheduledEvent) => enqueueSyncs('reconcile', { connections: connectionRegistry(), queue: queue('shopify-sync') });

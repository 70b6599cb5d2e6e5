/** Nightly (schedule): one `shopify-sync` message per connected shop for a full product catalog sync. */
import type { ScheduledEvent } from 'aws-lambda';
import { connectionRegistry } from '../../shared/runtime/connections';
import { queue } from '../../shared/runtime/queues';
import { enqueueSyncs } from '../../shared/shopify/sync-jobs';

export const handler = async (_event?: ScheduledEvent) => enqueueSyncs('catalog', { connections: connectionRegistry(), queue: queue('shopify-sync') });

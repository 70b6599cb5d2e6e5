/**
 * PlatformEvents the Shopify integration itself publishes (not webhooks): app installed, access revoked,
 * catalog batches synced, orders reconciled, Sentinel actions. Each goes to the workspace topic
 * `ionflux.shopify.ws_<id>.<entity>.<action>` (the publisher adds the all-workspaces fan-in copy), like
 * webhook events.
 */
import { createPlatformEvent } from '../events/platform-event';
import type { EventPublisher, OutgoingEvent } from '../events/publisher';
import { shopifyEventType, topics } from '../events/topics';

export type Publisher = Pick<EventPublisher, 'publish'>;

export interface ShopifyEventInput {
  workspaceId: string;
  /** `entity/action`, e.g. `app/installed`, `products/synced`, `themes/rolled_back`. */
  topic: string;
  /** Upstream identity of the event: the same parts always give the same event_id. */
  idParts: string[];
  /** Function or service that produced it. */
  source: string;
  payload: Record<string, unknown>;
  /** Kafka key: the entity (shop, order id…) whose events must stay ordered. */
  key: string;
  timestamp?: Date;
}

export function shopifyEvents(input: ShopifyEventInput): OutgoingEvent[] {
  const event = createPlatformEvent({
    idParts: ['shopify', ...input.idParts],
    eventType: shopifyEventType(input.topic),
    workspaceId: input.workspaceId,
    source: input.source,
    payload: input.payload,
    ...(input.timestamp ? { timestamp: input.timestamp } : {}),
  });
  return [{ topic: topics.shopify(input.workspaceId, input.topic), key: input.key, event }];
}

/** Publishes with a bounded share of the caller's time (Kafka, else the outbox). */
export async function publishShopifyEvents(publisher: Publisher, inputs: ShopifyEventInput[], deadline: number): Promise<string[]> {
  const outgoing = inputs.flatMap(shopifyEvents);
  await publisher.publish(outgoing, { deadline });
  return [...new Set(outgoing.map((o) => o.event.event_id))];
}

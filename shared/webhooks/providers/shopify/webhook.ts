/**
 * Shopify webhooks as a provider of the shared pipeline: HMAC of the raw body with the app's client
 * secret, routing by shop domain, and events on `ionflux.shopify.ws_<workspace>.<entity>.<action>` plus
 * the all-workspaces fan-in topic.
 *
 * Only the body is signed; every header (topic, shop, event id, triggered-at) can be changed by whoever
 * replays a captured request. So: dedup is on shop + topic + the body's SHA-256 (a retry of an event
 * carries the same payload; a replay with a fresh X-Shopify-Event-Id is still a duplicate) for 48 h; a
 * triggered-at older than those 48 h is refused; a payload that names its shop (`myshopify_domain`,
 * `shop_domain`) must name the header's; and app/uninstalled disconnects only a shop its payload names.
 */
import { hash } from 'node:crypto';
import { type ConnectionProvider, normaliseAccountId } from '../../../connections/account-ids';
import { InvalidAccountIdError } from '../../../connections/errors';
import { createPlatformEvent, isEventTime } from '../../../events/platform-event';
import type { OutgoingEvent } from '../../../events/publisher';
import { shopifyEventType, topics } from '../../../events/topics';
import { MalformedWebhookError, StaleWebhookError, WebhookSignatureError } from '../../errors';
import { parseWebhookJson } from '../../json';
import type { AfterPublishDeps, Delivery, WebhookProvider, WebhookRequest } from '../../provider';
import { moduleLogger } from '../../../observability/logger';
import { isShopifySignatureShape, verifyShopifyWebhook } from './shopify-hmac';
import { SHOPIFY_TOPIC } from './topics';

const log = moduleLogger('shopify-webhooks');

export interface ShopifyDelivery extends Delivery {
  shop: string;
  topic: string;
  webhookId: string;
  eventId?: string;
  apiVersion?: string;
  triggeredAt?: string;
  /** `triggeredAt` as epoch ms (parsed once, when the delivery is read). */
  triggeredAtMs?: number;
  /** When we received it (epoch ms; for a parked delivery, when it was first received). */
  receivedAt: number;
  payload: Record<string, unknown>;
  /** The signed payload names this delivery's shop (`myshopify_domain` / `shop_domain` = the header's). */
  shopConfirmed: boolean;
}

/**
 * How long a delivery is recognised: its dedup record lives this long, and a triggered-at older than this is
 * refused (it could no longer be told from a replay). Shopify retries for 4 hours; deliveries can be up to
 * a day late.
 */
export const SHOPIFY_REPLAY_WINDOW_S = 48 * 3600;

/** The shop a payload names, if any: shop resources carry `myshopify_domain`, compliance payloads `shop_domain`. */
const payloadShop = (payload: Record<string, unknown>): string | undefined => {
  const named = payload.myshopify_domain ?? payload.shop_domain;
  return typeof named === 'string' && named !== '' ? named.trim().toLowerCase() : undefined;
};

const HEADER_NAMES = ['hmac-sha256', 'topic', 'shop-domain', 'webhook-id', 'event-id', 'api-version', 'triggered-at'] as const;
type ShopifyHeader = (typeof HEADER_NAMES)[number];
// Both spellings of every header, built once: lookups use constant keys, not strings built per request.
const SPELLINGS = Object.fromEntries(HEADER_NAMES.map((name) => [name, [`x-shopify-${name}`, `shopify-${name}`]])) as Record<ShopifyHeader, [string, string]>;

/** Classic `X-Shopify-*` headers, or the Events product's `shopify-*` ones. */
const header = (request: WebhookRequest, name: ShopifyHeader): string | undefined => {
  const [classic, events] = SPELLINGS[name];
  return request.headers[classic] ?? request.headers[events];
};

/** `2026-11-25T15:00:00Z`, `2026-11-25T10:00:00-05:00`, with optional fractions: what Shopify sends. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** The instant as epoch ms when it is one Shopify would send, in the years 0000–9999 (an event can carry it). */
const isoInstantMs = (value: string): number | undefined => {
  if (!ISO_INSTANT.test(value)) return undefined;
  const ms = Date.parse(value);
  return isEventTime(ms) ? ms : undefined;
};

/** An id as a key: a number, or a non-empty string. */
const id = (value: unknown) => (typeof value === 'number' || (typeof value === 'string' && value !== '') ? String(value) : undefined);

/** The entity a webhook is about: the Kafka message key that keeps its events ordered. */
export function shopifyEntityKey(topic: string, payload: Record<string, unknown>, shop: string): string {
  if (topic.startsWith('inventory_levels/')) {
    const item = id(payload.inventory_item_id);
    const location = id(payload.location_id);
    if (item && location) return `${item}:${location}`;
  }
  if (topic === 'customers/redact' || topic === 'customers/data_request') {
    const customer = id((payload.customer as Record<string, unknown> | undefined)?.id);
    if (customer) return customer;
  }
  if (topic === 'shop/redact') return id(payload.shop_id) ?? shop;
  return id(payload.id) ?? id(payload.admin_graphql_api_id) ?? shop;
}

export const shopifyWebhooks: WebhookProvider<ShopifyDelivery> = {
  name: 'shopify',
  secretProvider: 'shopify',
  // Shopify retries for 4 hours; keep dedup records for two days.
  dedupTtlSeconds: SHOPIFY_REPLAY_WINDOW_S,
  keptHeaders: [
    'x-shopify-topic',
    'x-shopify-shop-domain',
    'x-shopify-webhook-id',
    'x-shopify-event-id',
    'x-shopify-api-version',
    'x-shopify-triggered-at',
    'shopify-topic',
    'shopify-shop-domain',
    'shopify-webhook-id',
    'shopify-event-id',
    'shopify-api-version',
    'shopify-triggered-at',
  ],

  requireSignature(request) {
    const signature = header(request, 'hmac-sha256');
    if (!signature) throw new WebhookSignatureError('shopify', 'missing');
    if (!isShopifySignatureShape(signature.trim())) throw new WebhookSignatureError('shopify', 'invalid');
  },

  verify(request, credential) {
    const signature = header(request, 'hmac-sha256');
    if (!signature) throw new WebhookSignatureError('shopify', 'missing');
    // During a client-secret rotation Shopify may still sign with the previous secret.
    const current = credential.require('client_secret');
    const previous = credential.get('previous_client_secret');
    if (!verifyShopifyWebhook(request.rawBody, signature.trim(), previous ? [current, previous] : [current])) throw new WebhookSignatureError('shopify', 'invalid');
  },

  parse(request) {
    const rawTopic = header(request, 'topic');
    const rawShop = header(request, 'shop-domain');
    const rawWebhookId = header(request, 'webhook-id');
    if (!rawTopic || !rawShop || !rawWebhookId) {
      const missing = [rawTopic ? '' : 'topic', rawShop ? '' : 'shop-domain', rawWebhookId ? '' : 'webhook-id'].filter(Boolean);
      throw new MalformedWebhookError('shopify', `missing header(s): ${missing.map((h) => `X-Shopify-${h}`).join(', ')}`);
    }
    const topic = rawTopic!.trim();
    if (!SHOPIFY_TOPIC.test(topic)) throw new MalformedWebhookError('shopify', `"${topic}" is not a webhook topic (entity/verb)`);
    let shop: string;
    try {
      shop = normaliseAccountId('shopify' satisfies ConnectionProvider, rawShop!);
    } catch (error) {
      if (error instanceof InvalidAccountIdError) throw new MalformedWebhookError('shopify', error.message);
      throw error;
    }
    const payload = parseWebhookJson('shopify', request.rawBody);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new MalformedWebhookError('shopify', 'body must be a JSON object');
    const named = payloadShop(payload as Record<string, unknown>);
    if (named !== undefined && named !== shop) {
      throw new MalformedWebhookError('shopify', `the signed payload is about ${named}, the X-Shopify-Shop-Domain header names ${shop}`);
    }
    const webhookId = rawWebhookId!.trim();
    const eventId = header(request, 'event-id')?.trim();
    const apiVersion = header(request, 'api-version')?.trim();
    const triggeredAt = header(request, 'triggered-at')?.trim();
    // Not signed, so only a plausible ISO 8601 instant is kept (else the event is stamped on arrival)…
    const instantMs = triggeredAt ? isoInstantMs(triggeredAt) : undefined;
    const instant = instantMs === undefined ? undefined : triggeredAt;
    // …and one older than the replay window is refused: Shopify stopped retrying long before.
    if (instant && request.receivedAt - instantMs! > SHOPIFY_REPLAY_WINDOW_S * 1000) throw new StaleWebhookError('shopify', instant, SHOPIFY_REPLAY_WINDOW_S);
    const delivery: ShopifyDelivery = {
      // The body, not the (unsigned) event id: a captured body replayed with a fresh X-Shopify-Event-Id is a duplicate.
      dedupKey: `shopify:${shop}:${topic}:${hash('sha256', request.rawBody, 'base64url')}`,
      kind: topic,
      account: { provider: 'shopify', id: shop },
      shop,
      topic,
      webhookId,
      receivedAt: request.receivedAt,
      payload: payload as Record<string, unknown>,
      shopConfirmed: named === shop,
    };
    if (eventId) delivery.eventId = eventId;
    if (apiVersion) delivery.apiVersion = apiVersion;
    if (instant) {
      delivery.triggeredAt = instant;
      delivery.triggeredAtMs = instantMs;
    }
    return [delivery];
  },

  toEvents(delivery, workspaceId): OutgoingEvent[] {
    const event = createPlatformEvent({
      idParts: ['shopify', delivery.shop, delivery.topic, delivery.eventId ?? delivery.webhookId],
      eventType: shopifyEventType(delivery.topic),
      workspaceId,
      source: 'webhook-shopify',
      // Stamped with Shopify's time when it sent a usable one, else on creation.
      timestamp: delivery.triggeredAtMs === undefined ? undefined : new Date(delivery.triggeredAtMs),
      payload: {
        shop_domain: delivery.shop,
        shopify_topic: delivery.topic,
        api_version: delivery.apiVersion ?? null,
        webhook_id: delivery.webhookId,
        shopify_event_id: delivery.eventId ?? null,
        triggered_at: delivery.triggeredAt ?? null,
        data: delivery.payload,
      },
    });
    const key = shopifyEntityKey(delivery.topic, delivery.payload, delivery.shop);
    // The publisher also writes it to ionflux.shopify.all_workspaces (the fan-in), in the same request.
    return [{ topic: topics.shopify(workspaceId, delivery.topic), key, event }];
  },

  afterPublish(delivery, workspaceId, deps) {
    // Every other topic has nothing to do once published: no promise to wait for.
    if (delivery.topic === 'app/uninstalled') return disconnectOnUninstall(delivery, workspaceId, deps);
    return undefined;
  },
};

/** app/uninstalled: the shop's connection becomes inactive — when it is still the install the event is about. */
async function disconnectOnUninstall(delivery: ShopifyDelivery, workspaceId: string, deps: AfterPublishDeps): Promise<void> {
  // The header is not signed: only an uninstall whose signed payload names this shop disconnects it.
  if (!delivery.shopConfirmed) {
    log.warn('app/uninstalled whose payload does not name the shop; the connection is left as it is', { shop: delivery.shop, webhook_id: delivery.webhookId });
    return;
  }
  const connection = await deps.connections.get('shopify', delivery.shop);
  if (!connection || connection.workspace_id !== workspaceId) return;
  // A late (retried, or parked and replayed) uninstall of an earlier install must not disconnect the store
  // installed since. When Shopify's timestamp is missing, when we first received it bounds when it happened.
  const happenedAt = delivery.triggeredAtMs ?? delivery.receivedAt;
  if (connection.connected_at && happenedAt < Date.parse(connection.connected_at)) {
    log.info('app/uninstalled predates the current connection; ignored', {
      shop: delivery.shop,
      triggered_at: delivery.triggeredAt ?? null,
      received_at: new Date(delivery.receivedAt).toISOString(),
      connected_at: connection.connected_at,
    });
    return;
  }
  await deps.connections.setStatusIf('shopify', delivery.shop, 'inactive', `app/uninstalled webhook ${delivery.webhookId} (workspace ${workspaceId})`, {
    workspaceId,
    connectId: connection.connect_id ?? null,
  });
}

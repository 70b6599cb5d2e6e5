/**
 * Order reconciliation for one shop: Shopify webhooks can arrive a day late or not at all (and Shopify
 * deletes a subscription after repeated failed deliveries), so we ask the Admin API for every order
 * updated since the shop's watermark and publish the ones Kafka has not seen at that `updated_at`.
 *
 * - The watermark: every order update before it has been published (by a webhook or by a pass). It starts
 *   at the install. The query is sorted by `updated_at` ascending, so after each page the watermark moves
 *   to that page's last `updated_at` (a checkpoint), and to the end of the window when the pass completes.
 *   It only ever moves forward.
 * - The window: from the watermark minus an overlap (10 min) to now minus a settling delay (2 min, so a
 *   webhook on its way is not raced), and never further back than 7 days (logged when it clamps).
 * - A pass stops fetching pages a reserve (60 s) before its deadline, or when Shopify's throttling would
 *   carry it past that point, and ends with `complete: false`: the next pass resumes from the checkpoint, so
 *   a backlog larger than one pass drains over several.
 * - "Seen": the webhook-state consumer records the newest `updated_at` of every order event on the
 *   all-workspaces topic; an order at or before that is skipped. Published orders are recorded too.
 * - Missed orders become `shopify.orders.created` (never seen and created inside the window — for a
 *   backlog spanning several passes, the window of its first pass) or `shopify.orders.updated`, on the same
 *   topics and with the same payload layout as webhooks (`data` is REST-shaped), marked
 *   `source: "reconciliation"`. Their event_id derives from the order and its updated_at, so passes that
 *   overlap do not publish twice.
 * - Optionally, missing webhook subscriptions are created again (repair).
 */
import { moduleLogger } from '../observability/logger';
import { orderFields, type OrderNode } from './data-access';
import { ShopifyApiError } from './errors';
import { type Publisher, publishShopifyEvents, type ShopifyEventInput } from './events';
import type { ShopifyGraphqlClient } from './graphql-client';
import { type GraphqlConnection, paginate } from './pagination';
import type { ShopContext } from './shop-clients';
import type { ShopStateStore } from './shop-state-store';
import { type RegistrationReport, registerWebhooks } from './webhook-registration';

const log = moduleLogger('shopify');

const ORDERS_SINCE = `query ReconcileOrders($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    edges { cursor node {
      ${orderFields(false, false)}
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface ReconciliationOptions {
  shopState: Pick<ShopStateStore, 'ordersState' | 'advanceWatermark' | 'orderSeenAt' | 'markOrderSeen'>;
  publisher: Publisher;
  clock?: () => number;
  overlapMs?: number;
  settleMs?: number;
  /** First pass of a shop with no watermark: look back this far (default 24 h). */
  defaultLookbackMs?: number;
  maxLookbackMs?: number;
  pageSize?: number;
  /** Stop fetching pages this long before the deadline: time to publish the last page and repair webhooks (default 60 s). */
  reserveMs?: number;
  source?: string;
}

export interface ReconciliationResult {
  shop_domain: string;
  window: { since: string; until: string };
  checked: number;
  already_seen: number;
  published: number;
  published_orders: Array<{ id: string; name: string; event_type: string; updated_at: string }>;
  /** false: the pass stopped before the end of its window (deadline, throttling); the next one resumes from `checkpoint`. */
  complete: boolean;
  /** The last watermark this pass wrote (null: none). */
  checkpoint: string | null;
  stopped_reason?: string;
  webhooks?: RegistrationReport;
}

/** Thrown inside the page loop when the pass must stop to keep its reserve. */
class PassOutOfTime extends Error {}

/** The order id we key "seen" markers by: the numeric tail of its GID (exact, unlike JSON numbers). */
export const orderIdOf = (gidOrId: unknown): string | undefined => {
  if (typeof gidOrId === 'string' && gidOrId.startsWith('gid://')) return gidOrId.split('/').pop() || undefined;
  if (typeof gidOrId === 'string' && /^\d+$/.test(gidOrId)) return gidOrId;
  if (typeof gidOrId === 'number' && Number.isFinite(gidOrId)) return String(gidOrId);
  return undefined;
};

const amount = (set: OrderNode['totalPriceSet']) => set?.shopMoney?.amount ?? null;

/** The REST-shaped order consumers of webhook events already read (no personal data). */
export function restOrder(node: OrderNode): Record<string, unknown> {
  return {
    id: node.legacyResourceId,
    admin_graphql_api_id: node.id,
    name: node.name,
    created_at: node.createdAt,
    updated_at: node.updatedAt,
    processed_at: node.processedAt,
    cancelled_at: node.cancelledAt,
    closed_at: node.closedAt,
    financial_status: node.displayFinancialStatus?.toLowerCase() ?? null,
    fulfillment_status: node.displayFulfillmentStatus?.toLowerCase() ?? null,
    currency: node.currencyCode,
    total_price: amount(node.totalPriceSet),
    subtotal_price: amount(node.subtotalPriceSet),
    total_discounts: amount(node.totalDiscountsSet),
    total_tax: amount(node.totalTaxSet),
    test: node.test,
    tags: node.tags.join(', '),
    customer: node.customer ? { admin_graphql_api_id: node.customer.id, id: orderIdOf(node.customer.id) ?? null } : null,
  };
}

export class OrderReconciliation {
  constructor(private readonly options: ReconciliationOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async run(
    ctx: Pick<ShopContext, 'shop' | 'workspaceId'> & { client: Pick<ShopifyGraphqlClient, 'request'> },
    options: { deadline: number; repairWebhooks?: { uri: string; topics: readonly string[] } },
  ): Promise<ReconciliationResult> {
    const { shop } = ctx;
    const { shopState } = this.options;
    const now = this.now();
    const state = await shopState.ordersState(shop);
    const maxBack = now - (this.options.maxLookbackMs ?? 7 * 86400_000);
    const watermark = state.watermark ? Date.parse(state.watermark) : Number.NaN;
    const wantedSince = Number.isNaN(watermark) ? now - (this.options.defaultLookbackMs ?? 86400_000) : watermark - (this.options.overlapMs ?? 10 * 60_000);
    const sinceMs = Math.max(maxBack, wantedSince);
    if (wantedSince < maxBack) {
      log.warn('reconciliation window clamped to the maximum look-back: older order updates are not reconciled', { shop, watermark: state.watermark, since: new Date(sinceMs).toISOString() });
    }
    // Orders created since the start of this backlog's first pass count as created (a pass resuming from a
    // checkpoint starts later, but the creations before it were not published either).
    const passSince = state.pass_since ? Date.parse(state.pass_since) : Number.NaN;
    const createdSinceMs = Number.isNaN(passSince) ? sinceMs : Math.min(passSince, sinceMs);
    const untilMs = now - (this.options.settleMs ?? 2 * 60_000);
    // (A caller with little time keeps a quarter of it in reserve instead.)
    const stopAt = options.deadline - Math.min(this.options.reserveMs ?? 60_000, Math.max(0, options.deadline - now) / 4);
    const since = new Date(sinceMs).toISOString();
    const until = new Date(untilMs).toISOString();
    const result: ReconciliationResult = { shop_domain: shop, window: { since, until }, checked: 0, already_seen: 0, published: 0, published_orders: [], complete: true, checkpoint: null };

    if (untilMs > sinceMs) {
      const query = `updated_at:>='${since}' AND updated_at:<='${until}'`;
      const pages = paginate<OrderNode>(async (after) => {
        if (this.now() >= stopAt) throw new PassOutOfTime('the deadline is near');
        // The client fails at once rather than wait for the throttle past our reserve.
        const data = await ctx.client.request<{ orders: GraphqlConnection<OrderNode> }>(ORDERS_SINCE, { first: this.options.pageSize ?? 50, after, query }, { deadline: stopAt });
        return data.orders;
      });
      let pagesDone = 0;
      try {
        for await (const page of pages) {
          const missed: Array<{ node: OrderNode; id: string; topic: string }> = [];
          for (const node of page) {
            result.checked++;
            const id = orderIdOf(node.id) ?? node.legacyResourceId;
            const seenAt = await shopState.orderSeenAt(shop, id);
            if (seenAt !== undefined && seenAt >= Date.parse(node.updatedAt)) {
              result.already_seen++;
              continue;
            }
            const createdInWindow = Date.parse(node.createdAt) >= createdSinceMs;
            missed.push({ node, id, topic: seenAt === undefined && createdInWindow ? 'orders/create' : 'orders/updated' });
          }
          if (missed.length) await this.publish(ctx, shop, missed, result, options.deadline);
          // Checkpoint: the pages come in ascending updated_at, so every update before this page's last one
          // is on Kafka now. The next pass starts the overlap before it (orders sharing that updated_at).
          const last = page[page.length - 1]!.updatedAt;
          if (await shopState.advanceWatermark(shop, last, { passSince: new Date(createdSinceMs).toISOString() })) result.checkpoint = last;
          pagesDone++;
        }
      } catch (error) {
        const outOfTime = error instanceof PassOutOfTime;
        // Throttled (or failing) past our reserve after some progress: keep it, stop here.
        const stalled = error instanceof ShopifyApiError && error.status === 503 && pagesDone > 0;
        if (!outOfTime && !stalled) throw error;
        result.complete = false;
        result.stopped_reason = (error as Error).message;
        log.warn('reconciliation pass stopped before the end of its window; the next pass resumes from the checkpoint', { shop, pages: pagesDone, checkpoint: result.checkpoint, reason: result.stopped_reason });
      }
      if (result.complete && (await shopState.advanceWatermark(shop, until, { complete: { reconciledAt: new Date(now).toISOString(), published: result.published } }))) result.checkpoint = until;
    }
    if (options.repairWebhooks) {
      result.webhooks = await registerWebhooks(ctx.client, { uri: options.repairWebhooks.uri, topics: options.repairWebhooks.topics, deadline: options.deadline });
    }
    if (result.published) log.warn('reconciliation published orders the webhooks missed', { shop, published: result.published, window: result.window, complete: result.complete });
    return result;
  }

  private async publish(ctx: Pick<ShopContext, 'workspaceId'>, shop: string, missed: Array<{ node: OrderNode; id: string; topic: string }>, result: ReconciliationResult, deadline: number): Promise<void> {
    const events: ShopifyEventInput[] = missed.map(({ node, id, topic }) => ({
      workspaceId: ctx.workspaceId,
      topic,
      idParts: [shop, topic, 'reconciled', id, node.updatedAt],
      source: this.options.source ?? 'shopify-reconciliation',
      key: node.legacyResourceId,
      timestamp: new Date(node.updatedAt),
      payload: {
        shop_domain: shop,
        shopify_topic: topic,
        api_version: null,
        webhook_id: null,
        shopify_event_id: null,
        triggered_at: null,
        source: 'reconciliation',
        data: restOrder(node),
      },
    }));
    await publishShopifyEvents(this.options.publisher, events, Math.min(deadline, Date.now() + 15_000));
    for (const { node, id, topic } of missed) {
      await this.options.shopState.markOrderSeen(shop, id, node.updatedAt, 'reconciliation');
      result.published++;
      result.published_orders.push({ id: node.id, name: node.name, event_type: `shopify.${topic === 'orders/create' ? 'orders.created' : 'orders.updated'}`, updated_at: node.updatedAt });
    }
  }
}

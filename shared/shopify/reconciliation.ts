/**
 * Order reconciliation for one shop: Shopify webhooks can arrive a day late or not at all (and Shopify
 * deletes a subscription after repeated failed deliveries), so we ask the Admin API for every order
 * updated since the shop's watermark and publish the ones Kafka has not seen at that `updated_at`.
 *
 * - The watermark: every order update before it has been published (by a webhook or by a previous
 *   pass). It starts at the install; each successful pass moves it to the end of its window.
 * - The window: from the watermark minus an overlap (10 min) to now minus a settling delay (2 min, so a
 *   webhook on its way is not raced), and never further back than 7 days.
 * - "Seen": the webhook-state consumer records the newest `updated_at` of every order event on the
 *   all-workspaces topic; an order at or before that is skipped. Published orders are recorded too.
 * - Missed orders become `shopify.orders.created` (never seen and created inside the window) or
 *   `shopify.orders.updated`, on the same topics and with the same payload layout as webhooks
 *   (`data` is REST-shaped), marked `source: "reconciliation"`. Their event_id derives from the order
 *   and its updated_at, so passes that overlap do not publish twice.
 * - Optionally, missing webhook subscriptions are created again (repair).
 */
import { moduleLogger } from '../observability/logger';
import { orderFields, type OrderNode } from './data-access';
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
  shopState: Pick<ShopStateStore, 'ordersState' | 'setWatermark' | 'orderSeenAt' | 'markOrderSeen'>;
  publisher: Publisher;
  clock?: () => number;
  overlapMs?: number;
  settleMs?: number;
  /** First pass of a shop with no watermark: look back this far (default 24 h). */
  defaultLookbackMs?: number;
  maxLookbackMs?: number;
  pageSize?: number;
  source?: string;
}

export interface ReconciliationResult {
  shop_domain: string;
  window: { since: string; until: string };
  checked: number;
  already_seen: number;
  published: number;
  published_orders: Array<{ id: string; name: string; event_type: string; updated_at: string }>;
  webhooks?: RegistrationReport;
}

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
    const sinceMs = Number.isNaN(watermark) ? now - (this.options.defaultLookbackMs ?? 86400_000) : Math.max(maxBack, watermark - (this.options.overlapMs ?? 10 * 60_000));
    const untilMs = now - (this.options.settleMs ?? 2 * 60_000);
    const since = new Date(sinceMs).toISOString();
    const until = new Date(untilMs).toISOString();
    const result: ReconciliationResult = { shop_domain: shop, window: { since, until }, checked: 0, already_seen: 0, published: 0, published_orders: [] };

    if (untilMs > sinceMs) {
      const query = `updated_at:>='${since}' AND updated_at:<='${until}'`;
      const pages = paginate<OrderNode>(async (after) => {
        const data = await ctx.client.request<{ orders: GraphqlConnection<OrderNode> }>(ORDERS_SINCE, { first: this.options.pageSize ?? 50, after, query }, { deadline: options.deadline });
        return data.orders;
      });
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
          const createdInWindow = Date.parse(node.createdAt) >= sinceMs;
          missed.push({ node, id, topic: seenAt === undefined && createdInWindow ? 'orders/create' : 'orders/updated' });
        }
        if (!missed.length) continue;
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
        await publishShopifyEvents(this.options.publisher, events, Math.min(options.deadline, Date.now() + 15_000));
        for (const { node, id, topic } of missed) {
          await shopState.markOrderSeen(shop, id, node.updatedAt, 'reconciliation');
          result.published++;
          result.published_orders.push({ id: node.id, name: node.name, event_type: `shopify.${topic === 'orders/create' ? 'orders.created' : 'orders.updated'}`, updated_at: node.updatedAt });
        }
      }
      await shopState.setWatermark(shop, until, { reconciledAt: new Date(now).toISOString(), published: result.published });
    }
    if (options.repairWebhooks) {
      result.webhooks = await registerWebhooks(ctx.client, { uri: options.repairWebhooks.uri, topics: options.repairWebhooks.topics, deadline: options.deadline });
    }
    if (result.published) log.warn('reconciliation published orders the webhooks missed', { shop, published: result.published, window: result.window });
    return result;
  }
}

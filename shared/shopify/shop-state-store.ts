/**
 * Per-shop state on the `shopify-shop-state` table:
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `workspace#<id>` | `shop#<shop>` | which shops a workspace installed (data routes find "the" shop) |
 * | `shop#<shop>` | `theme#<iso time>#<theme id>` | main-theme history (themes/publish webhooks, our own publishes) |
 * | `shop#<shop>` | `state#catalog-sync` | the running / last nightly catalog sync (bulk operation id, counts) |
 * | `shop#<shop>` | `state#orders` | order watermark: every update before it is published (webhooks or reconciliation), checkpointed page by page |
 * | `shop#<shop>` | `order#<id>` | latest `updated_at` of an order seen on Kafka (TTL 35 days) |
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, type TableItem, when } from '../storage/table';

export interface ThemeRecord {
  theme_id: string;
  theme_name?: string;
  /** When it became the main theme. */
  published_at: string;
  /** `webhook` (themes/publish), `install`, `rollback` (we published it) or `observed` (seen as main). */
  source: string;
}

export interface CatalogSyncState {
  bulk_operation_id?: string;
  status: 'running' | 'completed' | 'failed';
  started_at: string;
  completed_at?: string;
  products?: number;
  batches?: number;
  error?: string;
}

export interface OrdersState {
  /** ISO time; every order update before it has been published to Kafka. */
  watermark?: string;
  /**
   * While a reconciliation spans several passes (a backlog larger than one pass): the start of the window of
   * its first pass, so orders created in the backlog are still told apart from older ones.
   */
  pass_since?: string;
  last_webhook_at?: string;
  last_reconciled_at?: string;
  last_reconcile_published?: number;
}

const SEEN_TTL_SECONDS = 35 * 86400;
const shopKey = (shop: string) => `shop#${shop}`;

export class ShopStateStore {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  // ── workspace index ────────────────────────────────────────────────────────────────────────────
  async linkWorkspace(workspaceId: string, shop: string): Promise<void> {
    await this.table.put({ pk: `workspace#${workspaceId}`, sk: `shop#${shop}`, shop, linked_at: new Date(this.clock()).toISOString() });
  }

  async shopsOf(workspaceId: string): Promise<string[]> {
    return (await this.table.query(`workspace#${workspaceId}`, { skBeginsWith: 'shop#' })).map((item) => String(item.shop));
  }

  // ── main-theme history ─────────────────────────────────────────────────────────────────────────
  async recordMainTheme(shop: string, record: ThemeRecord): Promise<void> {
    const at = new Date(record.published_at);
    const iso = Number.isNaN(at.getTime()) ? new Date(this.clock()).toISOString() : at.toISOString();
    await this.table.put({ pk: shopKey(shop), sk: `theme#${iso}#${record.theme_id}`, ...record, published_at: iso });
  }

  /** Newest first. */
  async themeHistory(shop: string, limit = 20): Promise<ThemeRecord[]> {
    const items = await this.table.query(shopKey(shop), { skBeginsWith: 'theme#', descending: true, limit });
    return items.map((item: TableItem) => ({
      theme_id: String(item.theme_id),
      ...(typeof item.theme_name === 'string' ? { theme_name: item.theme_name } : {}),
      published_at: String(item.published_at),
      source: String(item.source),
    }));
  }

  // ── sync and reconciliation state ──────────────────────────────────────────────────────────────
  async catalogSync(shop: string): Promise<CatalogSyncState | undefined> {
    const item = await this.table.get({ pk: shopKey(shop), sk: 'state#catalog-sync' });
    return item ? (item.state as CatalogSyncState) : undefined;
  }

  async setCatalogSync(shop: string, state: CatalogSyncState): Promise<void> {
    await this.table.put({ pk: shopKey(shop), sk: 'state#catalog-sync', state });
  }

  async ordersState(shop: string): Promise<OrdersState> {
    const item = await this.table.get({ pk: shopKey(shop), sk: 'state#orders' });
    return {
      ...(typeof item?.watermark === 'string' ? { watermark: item.watermark } : {}),
      ...(typeof item?.pass_since === 'string' ? { pass_since: item.pass_since } : {}),
      ...(typeof item?.last_webhook_at === 'string' ? { last_webhook_at: item.last_webhook_at } : {}),
      ...(typeof item?.last_reconciled_at === 'string' ? { last_reconciled_at: item.last_reconciled_at } : {}),
      ...(typeof item?.last_reconcile_published === 'number' ? { last_reconcile_published: item.last_reconcile_published } : {}),
    };
  }

  /** Sets the watermark (and run stats), at install or by an operator; it may move backwards. */
  async setWatermark(shop: string, watermark: string, stats: { reconciledAt?: string; published?: number } = {}): Promise<void> {
    await this.table.update(
      { pk: shopKey(shop), sk: 'state#orders' },
      { set: { watermark, watermark_ms: Date.parse(watermark), last_reconciled_at: stats.reconciledAt, last_reconcile_published: stats.published }, remove: ['pass_since'] },
    );
  }

  /**
   * Moves the watermark forward, never back (a slower pass running alongside cannot undo a faster one's
   * progress). A checkpoint inside a pass keeps `passSince`; the end of a complete pass clears it and
   * records the run stats. Answers false when the stored watermark was already at or past `watermark`.
   */
  async advanceWatermark(shop: string, watermark: string, progress: { passSince: string } | { complete: { reconciledAt: string; published: number } }): Promise<boolean> {
    const ms = Date.parse(watermark);
    if (Number.isNaN(ms)) return false;
    const done = 'complete' in progress;
    try {
      await this.table.update(
        { pk: shopKey(shop), sk: 'state#orders' },
        done
          ? { set: { watermark, watermark_ms: ms, last_reconciled_at: progress.complete.reconciledAt, last_reconcile_published: progress.complete.published }, remove: ['pass_since'] }
          : { set: { watermark, watermark_ms: ms, pass_since: progress.passSince } },
        { condition: when.or(when.attrAbsent('watermark_ms'), when.lessThan('watermark_ms', ms)) },
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      // Already further along (a concurrent pass, or an install moments ago): still record that we ran.
      if (done) await this.table.update({ pk: shopKey(shop), sk: 'state#orders' }, { set: { last_reconciled_at: progress.complete.reconciledAt, last_reconcile_published: progress.complete.published } });
      return false;
    }
  }

  /** A webhook for an order arrived (monitoring: when did webhooks last work for this shop). */
  async recordWebhook(shop: string, at: string): Promise<void> {
    try {
      await this.table.update(
        { pk: shopKey(shop), sk: 'state#orders' },
        { set: { last_webhook_at: at, last_webhook_at_ms: Date.parse(at) } },
        { condition: when.or(when.attrAbsent('last_webhook_at_ms'), when.lessThan('last_webhook_at_ms', Date.parse(at))) },
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  // ── orders seen on Kafka ───────────────────────────────────────────────────────────────────────
  /** Keeps the newest `updated_at` seen for an order; older sightings change nothing. */
  async markOrderSeen(shop: string, orderId: string, updatedAt: string, via: string): Promise<void> {
    const ms = Date.parse(updatedAt);
    if (Number.isNaN(ms)) return;
    try {
      await this.table.update(
        { pk: shopKey(shop), sk: `order#${orderId}` },
        { set: { updated_at: updatedAt, updated_at_ms: ms, via, expires_at: nowSeconds(this.clock()) + SEEN_TTL_SECONDS } },
        { condition: when.or(when.attrAbsent('updated_at_ms'), when.lessThan('updated_at_ms', ms)) },
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  /** The newest `updated_at` (epoch ms) seen for an order, if any. */
  async orderSeenAt(shop: string, orderId: string): Promise<number | undefined> {
    const item = await this.table.get({ pk: shopKey(shop), sk: `order#${orderId}` });
    const ms = Number(item?.updated_at_ms);
    return item && Number.isFinite(ms) ? ms : undefined;
  }
}

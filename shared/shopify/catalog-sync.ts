/**
 * Nightly full product catalog sync of one shop (seed §2.4), run by the sync worker for one SQS message:
 * a bulk operation exports every product with its variants, the JSONL result is streamed, products are
 * reassembled (variants are their own lines with `__parentId`) and published as
 * `shopify.products.synced` events in batches (bounded by count and bytes; the last one says so and
 * carries the totals).
 *
 * Resumable: the bulk operation id is stored before polling, so a worker that runs out of time leaves
 * the message to be retried and the retry picks the same operation up. Event ids derive from the
 * operation id and batch number, so a re-published batch has the same event_id as before.
 */
import { moduleLogger } from '../observability/logger';
import { type BulkOperations, isFinished } from './bulk-operations';
import { ShopifyApiError, ShopifyUserError } from './errors';
import { type Publisher, publishShopifyEvents } from './events';
import { mapVariant } from './data-access';
import type { ShopContext } from './shop-clients';
import type { ShopStateStore } from './shop-state-store';

const log = moduleLogger('shopify');

export const CATALOG_BULK_QUERY = `{
  products {
    edges { node {
      id legacyResourceId title handle status vendor productType tags createdAt updatedAt totalInventory
      variants { edges { node { id title sku price inventoryQuantity inventoryItem { id } } } }
    } }
  }
}`;

/**
 * A sync found running for longer than this is abandoned and started again. Well under the nightly
 * cadence, so the next night never resumes (and publishes) an export of the night before; well over what
 * the sync queue's retries cover (about 6 hours, see shared/config/resources.ts).
 */
const STALE_RUN_MS = 12 * 3600_000;

export interface CatalogSyncOptions {
  shopState: Pick<ShopStateStore, 'catalogSync' | 'setCatalogSync'>;
  publisher: Publisher;
  clock?: () => number;
  /** Products per event (default 100). */
  batchSize?: number;
  /** Serialised products per event, at most (default 256 KiB; Kafka's default limit is 1 MiB). */
  maxBatchBytes?: number;
  /** Time kept after polling for downloading and publishing (default 120 s). */
  publishReserveMs?: number;
  pollIntervalMs?: number;
  source?: string;
}

export type CatalogSyncResult =
  | { status: 'completed'; shop_domain: string; bulk_operation_id: string; products: number; batches: number; event_ids: number }
  | { status: 'running'; shop_domain: string; bulk_operation_id: string; bulk_status: string };

type Product = Record<string, unknown> & { variants: Array<Record<string, unknown>> };

function toProduct(line: Record<string, unknown>): Product {
  return {
    id: line.id,
    legacy_id: line.legacyResourceId ?? null,
    title: line.title ?? null,
    handle: line.handle ?? null,
    status: line.status ?? null,
    vendor: line.vendor ?? null,
    product_type: line.productType ?? null,
    tags: line.tags ?? [],
    created_at: line.createdAt ?? null,
    updated_at: line.updatedAt ?? null,
    total_inventory: line.totalInventory ?? null,
    variants: [],
  };
}

export class CatalogSync {
  constructor(private readonly options: CatalogSyncOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /**
   * Starts the catalog export, or adopts the one already running: a start whose answer was lost (a 5xx
   * after Shopify began it, or a Lambda that died before storing the id) leaves an operation that makes
   * every later start fail with OPERATION_IN_PROGRESS. Another query of ours is never adopted.
   */
  private async startOrAdopt(bulk: BulkOperations, deadline: number): Promise<{ id: string }> {
    try {
      return await bulk.start(CATALOG_BULK_QUERY, deadline);
    } catch (error) {
      const inProgress = error instanceof ShopifyUserError && error.hasCode('OPERATION_IN_PROGRESS');
      if (!inProgress) throw error;
      const current = await bulk.current(deadline);
      if (!current || isFinished(current.status) || current.query !== CATALOG_BULK_QUERY) throw error;
      log.info('adopting the catalog export already running', { bulk_operation_id: current.id });
      return current;
    }
  }

  async run(ctx: Pick<ShopContext, 'shop' | 'workspaceId'> & { bulk: BulkOperations }, options: { deadline: number }): Promise<CatalogSyncResult> {
    const { shop } = ctx;
    const { shopState } = this.options;
    const previous = await shopState.catalogSync(shop);
    let operationId: string;
    let startedAt: string;
    if (previous?.status === 'running' && previous.bulk_operation_id && this.now() - Date.parse(previous.started_at) < STALE_RUN_MS) {
      operationId = previous.bulk_operation_id;
      startedAt = previous.started_at;
      log.info('resuming the catalog sync of a previous attempt', { shop, bulk_operation_id: operationId });
    } else {
      const operation = await this.startOrAdopt(ctx.bulk, options.deadline);
      operationId = operation.id;
      startedAt = new Date(this.now()).toISOString();
      await shopState.setCatalogSync(shop, { status: 'running', bulk_operation_id: operationId, started_at: startedAt });
    }

    const reserve = this.options.publishReserveMs ?? 120_000;
    const operation = await ctx.bulk.poll(operationId, {
      deadline: options.deadline,
      until: options.deadline - reserve,
      ...(this.options.pollIntervalMs ? { intervalMs: this.options.pollIntervalMs } : {}),
    });
    if (!isFinished(operation.status)) return { status: 'running', shop_domain: shop, bulk_operation_id: operationId, bulk_status: operation.status };
    if (operation.status !== 'COMPLETED') {
      const error = `bulk operation ${operationId} ended ${operation.status}${operation.errorCode ? ` (${operation.errorCode})` : ''}`;
      await shopState.setCatalogSync(shop, { status: 'failed', bulk_operation_id: operationId, started_at: startedAt, completed_at: new Date(this.now()).toISOString(), error });
      throw new ShopifyApiError(`catalog sync of ${shop}: ${error}`, { status: 502, details: { shop, bulk_operation_id: operationId } });
    }

    const batchSize = this.options.batchSize ?? 100;
    const maxBytes = this.options.maxBatchBytes ?? 256 * 1024;
    let batchIndex = 0;
    let products = 0;
    let eventIds = 0;
    let pending: { products: Product[]; late: Array<Record<string, unknown>> } | undefined;
    let current: Product[] = [];
    let currentBytes = 0;
    let late: Array<Record<string, unknown>> = [];
    const open = new Map<string, Product>();

    const publish = async (batch: { products: Product[]; late: Array<Record<string, unknown>> }, last: boolean) => {
      const index = batchIndex++;
      const payload: Record<string, unknown> = {
        shop_domain: shop,
        sync_id: operationId,
        started_at: startedAt,
        batch_index: index,
        last_batch: last,
        product_count: batch.products.length,
        products: batch.products,
      };
      if (batch.late.length) payload.late_variants = batch.late;
      if (last) Object.assign(payload, { total_products: products, total_batches: index + 1 });
      eventIds += (
        await publishShopifyEvents(
          this.options.publisher,
          [{ workspaceId: ctx.workspaceId, topic: 'products/synced', idParts: [shop, 'products/synced', operationId, String(index)], source: this.options.source ?? 'shopify-sync-worker', key: shop, payload }],
          Math.min(options.deadline, Date.now() + 15_000),
        )
      ).length;
    };
    // One batch is held back so the last one can be marked as such.
    const flush = async () => {
      if (pending) await publish(pending, false);
      pending = { products: current, late };
      current = [];
      currentBytes = 0;
      late = [];
      open.clear();
    };

    if (operation.url) {
      for await (const line of ctx.bulk.download(operation.url, { deadline: options.deadline })) {
        const parent = typeof line.__parentId === 'string' ? line.__parentId : undefined;
        if (parent === undefined) {
          if (current.length >= batchSize || currentBytes >= maxBytes) await flush();
          const product = toProduct(line);
          current.push(product);
          open.set(String(line.id), product);
          currentBytes += JSON.stringify(product).length;
          products++;
        } else {
          const variant = mapVariant(line as Parameters<typeof mapVariant>[0]);
          const owner = open.get(parent);
          if (owner) owner.variants.push(variant);
          else late.push({ product_id: parent, ...variant });
          currentBytes += JSON.stringify(variant).length;
        }
      }
    }
    await flush();
    await publish(pending ?? { products: [], late: [] }, true);

    await shopState.setCatalogSync(shop, {
      status: 'completed',
      bulk_operation_id: operationId,
      started_at: startedAt,
      completed_at: new Date(this.now()).toISOString(),
      products,
      batches: batchIndex,
    });
    log.info('catalog sync completed', { shop, bulk_operation_id: operationId, products, batches: batchIndex });
    return { status: 'completed', shop_domain: shop, bulk_operation_id: operationId, products, batches: batchIndex, event_ids: eventIds };
  }
}

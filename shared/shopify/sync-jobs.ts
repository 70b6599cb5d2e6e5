/**
 * Syncs fan out per shop: a scheduled function sends one `shopify-sync` message per active, installed
 * shop (not one giant run), and the sync worker runs each message on its own — the nightly catalog sync
 * or the order reconciliation. A job that is not finished by the worker's deadline (a bulk operation
 * still running) fails its message, so SQS delivers it again after the visibility timeout and the job
 * resumes; after 12 receives (about 6 hours) it lands in the dead-letter queue for an operator.
 */
import * as z from 'zod/mini';
import type { Connection, ConnectionRegistry } from '../connections/connection-registry';
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import type { Queue } from '../queues/queue';
import { BulkOperations } from './bulk-operations';
import type { CatalogSync, CatalogSyncResult } from './catalog-sync';
import { ShopifyAccessRevokedError, ShopNotConnectedError } from './errors';
import type { OrderReconciliation, ReconciliationResult } from './reconciliation';
import type { ShopClients } from './shop-clients';
import type { FetchFn } from './token-endpoint';

const log = moduleLogger('shopify');

export const SYNC_KINDS = ['catalog', 'reconcile'] as const;
export type SyncKind = (typeof SYNC_KINDS)[number];

const SyncJobSchema = z.object({
  kind: z.enum(SYNC_KINDS),
  shop: z.string(),
  workspace_id: z.string(),
  requested_at: z.string(),
});
export type SyncJob = z.infer<typeof SyncJobSchema>;

export function parseSyncJob(body: string): SyncJob {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error('sync job is not JSON');
  }
  const parsed = SyncJobSchema.safeParse(value);
  if (!parsed.success) throw new Error(`sync job is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Connections a sync can run for: Shopify, active, installed through OAuth. */
export const syncable = (c: Connection) => c.provider === 'shopify' && c.status === 'active' && typeof c.details.access_token_secret_ref === 'string';

export async function enqueueSyncs(
  kind: SyncKind,
  deps: { connections: Pick<ConnectionRegistry, 'list'>; queue: Pick<Queue, 'send'>; clock?: () => number },
): Promise<{ kind: SyncKind; enqueued: number; skipped: number; shops: string[] }> {
  const all = await deps.connections.list({ provider: 'shopify' });
  const shops = all.filter(syncable);
  const requestedAt = new Date((deps.clock ?? Date.now)()).toISOString();
  for (const c of shops) {
    const job: SyncJob = { kind, shop: c.account_id, workspace_id: c.workspace_id, requested_at: requestedAt };
    await deps.queue.send(JSON.stringify(job), { kind, shop: c.account_id });
  }
  log.info('shopify syncs enqueued', { kind, enqueued: shops.length, skipped: all.length - shops.length });
  return { kind, enqueued: shops.length, skipped: all.length - shops.length, shops: shops.map((c) => c.account_id) };
}

export interface SyncRunnerDeps {
  clients: Pick<ShopClients, 'forWorkspace'>;
  catalog: Pick<CatalogSync, 'run'>;
  reconciliation: Pick<OrderReconciliation, 'run'>;
  fetch: FetchFn;
  webhookTopics: readonly string[];
  sleep?: (ms: number) => Promise<void>;
}

export type SyncOutcome =
  | { status: 'done'; job: SyncJob; result: CatalogSyncResult | ReconciliationResult }
  | { status: 'retry'; job: SyncJob; reason: string }
  | { status: 'dropped'; job: SyncJob; reason: string };

/** Runs one job. `retry`: leave the message for a later delivery; `dropped`: nothing left to do. */
export async function runSyncJob(job: SyncJob, deps: SyncRunnerDeps, options: { deadline: number }): Promise<SyncOutcome> {
  let ctx;
  try {
    ctx = await deps.clients.forWorkspace(job.workspace_id, job.shop);
  } catch (error) {
    // Uninstalled, moved to another workspace or revoked since the job was queued.
    if (error instanceof ShopNotConnectedError) return { status: 'dropped', job, reason: error.message };
    throw error;
  }
  try {
    if (job.kind === 'catalog') {
      const bulk = new BulkOperations(ctx.client, { fetch: deps.fetch, ...(deps.sleep ? { sleep: deps.sleep } : {}) });
      const result = await deps.catalog.run({ ...ctx, bulk }, options);
      if (result.status === 'running') return { status: 'retry', job, reason: `bulk operation ${result.bulk_operation_id} still ${result.bulk_status}` };
      return { status: 'done', job, result };
    }
    const uri = ctx.connection.details.webhook_uri;
    const result = await deps.reconciliation.run(ctx, {
      deadline: options.deadline,
      ...(typeof uri === 'string' ? { repairWebhooks: { uri, topics: deps.webhookTopics } } : {}),
    });
    // A pass that ran out of time kept its progress (checkpoints): the next hourly pass resumes from there,
    // so the message is done rather than redelivered alongside it (and dead-lettered after 12 receives).
    if (!result.complete) log.info('shopify reconciliation pass partial; the next pass resumes from the checkpoint', { shop: job.shop, checkpoint: result.checkpoint });
    return { status: 'done', job, result };
  } catch (error) {
    if (error instanceof ShopifyAccessRevokedError || error instanceof ShopNotConnectedError) return { status: 'dropped', job, reason: error.message };
    log.warn('shopify sync failed; it will be retried', { kind: job.kind, shop: job.shop, error: errorMessage(error) });
    return { status: 'retry', job, reason: errorMessage(error) };
  }
}

/**
 * Bulk operations for large reads: `bulkOperationRunQuery` starts an asynchronous export of a query,
 * `node(id:)` polls it, and the finished export is a JSONL file at `url` (one object per line; objects
 * of nested connections are their own lines, pointing at their parent with `__parentId`, after it).
 */
import { errorMessage } from '../errors';
import { ShopifyApiError, ShopifyUserError } from './errors';
import { type ShopifyGraphqlClient, userErrorsOf } from './graphql-client';
import type { FetchFn } from './token-endpoint';

export type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'EXPIRED';

export interface BulkOperation {
  id: string;
  status: BulkStatus;
  errorCode?: string | null;
  objectCount?: string | number | null;
  url?: string | null;
  partialDataUrl?: string | null;
  createdAt?: string | null;
  completedAt?: string | null;
}

const RUN = `mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status createdAt }
    userErrors { field message code }
  }
}`;

const POLL = `query BulkOperationStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url partialDataUrl createdAt completedAt }
  }
}`;

const CURRENT = `query CurrentBulkQuery {
  currentBulkOperation(type: QUERY) { id status errorCode query createdAt completedAt }
}`;

export const isFinished = (status: BulkStatus) => status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELED' || status === 'EXPIRED';

export class BulkOperations {
  constructor(
    private readonly client: Pick<ShopifyGraphqlClient, 'request' | 'shop'>,
    private readonly options: { fetch: FetchFn; sleep?: (ms: number) => Promise<void>; clock?: () => number },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Starts an export of `query`; its id is what `poll` takes. */
  async start(query: string, deadline: number): Promise<BulkOperation> {
    const data = await this.client.request<{ bulkOperationRunQuery: { bulkOperation: BulkOperation | null; userErrors: unknown[] } }>(RUN, { query }, { deadline, estimatedCost: 10 });
    const payload = data.bulkOperationRunQuery;
    const errors = userErrorsOf(payload);
    if (errors.length || !payload.bulkOperation) throw new ShopifyUserError('bulkOperationRunQuery', errors.length ? errors : [{ message: 'no bulk operation returned' }]);
    return payload.bulkOperation;
  }

  /** The app's latest bulk query on this shop, if any (with the query it runs). */
  async current(deadline: number): Promise<(BulkOperation & { query?: string | null }) | undefined> {
    const data = await this.client.request<{ currentBulkOperation: (BulkOperation & { query?: string | null }) | null }>(CURRENT, {}, { deadline, estimatedCost: 1 });
    return data.currentBulkOperation ?? undefined;
  }

  async status(id: string, deadline: number): Promise<BulkOperation> {
    const data = await this.client.request<{ node: BulkOperation | null }>(POLL, { id }, { deadline, estimatedCost: 1 });
    if (!data.node) throw new ShopifyApiError(`bulk operation ${id} not found on ${this.client.shop}`, { status: 502 });
    return data.node;
  }

  /**
   * Polls until the operation finishes, or returns its last status once `until` (default: the
   * deadline) leaves no room for another poll. At least one status is always read.
   */
  async poll(id: string, options: { deadline: number; until?: number; intervalMs?: number; maxIntervalMs?: number }): Promise<BulkOperation> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const until = Math.min(options.until ?? options.deadline, options.deadline);
    let interval = options.intervalMs ?? 1000;
    for (;;) {
      const operation = await this.status(id, options.deadline);
      if (isFinished(operation.status)) return operation;
      if (this.now() + interval >= until) return operation;
      await sleep(interval);
      interval = Math.min(options.maxIntervalMs ?? 10_000, Math.round(interval * 1.5));
    }
  }

  /** The export's objects, streamed line by line (no token: `url` is a signed storage URL). */
  async *download(url: string, options: { deadline: number }): AsyncGenerator<Record<string, unknown>> {
    let response: Response;
    try {
      response = await this.options.fetch(url, { signal: AbortSignal.timeout(Math.max(1, options.deadline - Date.now())) });
    } catch (error) {
      throw new ShopifyApiError(`bulk operation result of ${this.client.shop} could not be downloaded: ${errorMessage(error)}`, { cause: error });
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      throw new ShopifyApiError(`bulk operation result of ${this.client.shop}: HTTP ${response.status}`);
    }
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield JSON.parse(line) as Record<string, unknown>;
        newline = buffered.indexOf('\n');
      }
    }
    buffered += decoder.decode();
    if (buffered.trim()) yield JSON.parse(buffered.trim()) as Record<string, unknown>;
  }
}

/**
 * Bulk batches in `email-dispatches`, one partition per batch (pk `batch#<batch_id>`):
 * - `meta`: who, what (the templates), how many, and the state (`creating` until every chunk is queued,
 *   then `accepted`);
 * - `chunk#NNN`: up to 100 recipients with their template data, as queued for the worker;
 * - `r#NNNNN`: one record per recipient once a worker touches it. Its state moves only by conditional
 *   writes — `sending` (claimed by one attempt, with a lease) → `sent` | `failed` | `suppressed`, or back
 *   to `retry` — so a recipient is sent by one attempt at a time, whatever crashes or duplicate deliveries
 *   happen; a claim whose lease expired is in doubt and settled by the provider's own report;
 * - `tally#NNN`: how many of a chunk's recipients ended which way, counted from its records by the
 *   worker after each round (a put of the whole count: repeating it is harmless). The batch's progress is
 *   the sum of its tallies: no counter item every worker would contend for (DynamoDB refuses concurrent
 *   transactions on one item), and a count lost to a crash is redone by the chunk's next round.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, type TableItem, when } from '../storage/table';
import type { BulkRecipient } from './contract';
import type { Category } from './message';

export const CHUNK_SIZE = 100;
const BATCH_TTL_S = 30 * 86_400;

export const recipientDispatchId = (batchId: string, index: number): string => `${batchId}-${index}`;
const BULK_DISPATCH_ID = /^(bat_[A-Za-z0-9]+)-(\d{1,5})$/;

/** The batch and recipient index of a bulk recipient's dispatch id, if it is one. */
export function parseRecipientDispatchId(dispatchId: string): { batchId: string; index: number } | undefined {
  const match = BULK_DISPATCH_ID.exec(dispatchId);
  return match ? { batchId: match[1]!, index: Number(match[2]) } : undefined;
}

const pk = (batchId: string) => `batch#${batchId}`;
const chunkSk = (chunk: number) => `chunk#${String(chunk).padStart(3, '0')}`;
const tallySk = (chunk: number) => `tally#${String(chunk).padStart(3, '0')}`;
const recipientSk = (index: number) => `r#${String(index).padStart(5, '0')}`;
/** With 5-digit indices and chunks of 100, a chunk's records share the first 3 digits. */
const chunkRecipientsPrefix = (chunk: number) => `r#${String(chunk).padStart(3, '0')}`;

export interface BatchMeta {
  batch_id: string;
  workspace_id: string;
  state: 'creating' | 'accepted';
  category: Category;
  from: string;
  reply_to?: string;
  subject: string;
  text?: string;
  html?: string;
  tags: Record<string, string>;
  /** Origin of the unsubscribe links (from the request that created the batch). */
  public_base_url: string;
  total: number;
  chunks: number;
  created_at: string;
}

export interface Tally {
  sent: number;
  failed: number;
  suppressed: number;
}

export type RecipientState = 'sending' | 'sent' | 'failed' | 'suppressed' | 'retry';
export const TERMINAL: ReadonlySet<RecipientState> = new Set(['sent', 'failed', 'suppressed']);

export interface RecipientRecord {
  index: number;
  state: RecipientState;
  attempts: number;
  attempt_id: string;
  claimed_at: number;
  claimed_until: number;
  retry_at?: number;
  provider?: string;
  provider_message_id?: string;
  reason?: string;
}

export interface BatchStatus {
  batch_id: string;
  status: 'running' | 'done';
  total: number;
  sent: number;
  failed: number;
  suppressed: number;
  pending: number;
}

export const batchStatus = (meta: BatchMeta, tallies: Tally[]): BatchStatus => {
  const sum = (field: keyof Tally) => tallies.reduce((n, t) => n + t[field], 0);
  const [sent, failed, suppressed] = [sum('sent'), sum('failed'), sum('suppressed')];
  const pending = Math.max(0, meta.total - sent - failed - suppressed);
  return { batch_id: meta.batch_id, status: pending === 0 && meta.state === 'accepted' ? 'done' : 'running', total: meta.total, sent, failed, suppressed, pending };
};

/** How a chunk's recipients ended, from their records. */
export function tallyOf(records: Iterable<RecipientRecord>): Tally {
  const tally: Tally = { sent: 0, failed: 0, suppressed: 0 };
  for (const record of records) if (record.state === 'sent' || record.state === 'failed' || record.state === 'suppressed') tally[record.state]++;
  return tally;
}

export class BatchStore {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  private expiresAt(): number {
    return nowSeconds(this.clock()) + BATCH_TTL_S;
  }

  /** Writes the batch (state `creating`) unless it exists; false when it did (a resumed creation). */
  async createMeta(meta: Omit<BatchMeta, 'state'>): Promise<boolean> {
    try {
      await this.table.put({ pk: pk(meta.batch_id), sk: 'meta', ...meta, state: 'creating', expires_at: this.expiresAt() }, { condition: when.absent() });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  async putChunk(batchId: string, chunk: number, recipients: BulkRecipient[]): Promise<void> {
    try {
      await this.table.put({ pk: pk(batchId), sk: chunkSk(chunk), recipients, start: chunk * CHUNK_SIZE, expires_at: this.expiresAt() }, { condition: when.absent() });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  async markAccepted(batchId: string): Promise<void> {
    await this.table.update({ pk: pk(batchId), sk: 'meta' }, { set: { state: 'accepted' } }, { condition: when.or(when.equals('state', 'creating'), when.equals('state', 'accepted')) });
  }

  async meta(batchId: string): Promise<BatchMeta | undefined> {
    const item = await this.table.get({ pk: pk(batchId), sk: 'meta' });
    return item ? (item as unknown as BatchMeta) : undefined;
  }

  /** The tallies of every chunk a worker has counted. */
  async tallies(batchId: string): Promise<Tally[]> {
    return (await this.table.query(pk(batchId), { skBeginsWith: 'tally#' })).map((item) => ({ sent: Number(item.sent), failed: Number(item.failed), suppressed: Number(item.suppressed) }));
  }

  async putTally(batchId: string, chunk: number, tally: Tally): Promise<void> {
    await this.table.put({ pk: pk(batchId), sk: tallySk(chunk), ...tally, expires_at: this.expiresAt() });
  }

  async chunk(batchId: string, chunk: number): Promise<{ start: number; recipients: BulkRecipient[] } | undefined> {
    const item = await this.table.get({ pk: pk(batchId), sk: chunkSk(chunk) });
    return item ? { start: Number(item.start), recipients: item.recipients as BulkRecipient[] } : undefined;
  }

  /** The records of one chunk's recipients (those a worker has touched), by index. */
  async records(batchId: string, chunk: number): Promise<Map<number, RecipientRecord>> {
    const items = await this.table.query(pk(batchId), { skBeginsWith: chunkRecipientsPrefix(chunk) });
    return new Map(items.map((item) => [Number(item.index), item as unknown as RecipientRecord]));
  }

  async record(batchId: string, index: number): Promise<RecipientRecord | undefined> {
    const item = await this.table.get({ pk: pk(batchId), sk: recipientSk(index) });
    return item ? (item as unknown as RecipientRecord) : undefined;
  }

  /**
   * Claims a recipient for one attempt: only from the state it was read in (absent, `retry`, or a
   * `sending` whose lease expired), so two workers never both claim it. Undefined when someone else did.
   */
  async claim(batchId: string, index: number, previous: RecipientRecord | undefined, attemptId: string, leaseMs: number): Promise<RecipientRecord | undefined> {
    const now = this.clock();
    const record: RecipientRecord = {
      index,
      state: 'sending',
      attempts: (previous?.attempts ?? 0) + 1,
      attempt_id: attemptId,
      claimed_at: now,
      claimed_until: now + leaseMs,
    };
    const condition = previous ? when.and(when.equals('attempt_id', previous.attempt_id), when.equals('state', previous.state)) : when.absent();
    try {
      await this.table.put({ pk: pk(batchId), sk: recipientSk(index), ...record, expires_at: this.expiresAt() } as TableItem, { condition });
      return record;
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  /** Ends a recipient (sent, failed, suppressed) if this attempt still holds it; false when it does not (taken over). */
  async finish(batchId: string, index: number, attemptId: string, outcome: { state: 'sent' | 'failed' | 'suppressed'; provider?: string; providerMessageId?: string; reason?: string }): Promise<boolean> {
    try {
      await this.table.update(
        { pk: pk(batchId), sk: recipientSk(index) },
        {
          set: {
            state: outcome.state,
            provider: outcome.provider,
            provider_message_id: outcome.providerMessageId,
            reason: outcome.reason?.slice(0, 1000),
            finished_at: new Date(this.clock()).toISOString(),
          },
          remove: ['claimed_until', 'retry_at'],
        },
        { condition: when.and(when.equals('attempt_id', attemptId), when.equals('state', 'sending')) },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** Puts a recipient back for a later attempt (throttled, provider down). */
  async retryLater(batchId: string, index: number, attemptId: string, retryAt: number, reason: string): Promise<boolean> {
    try {
      await this.table.update(
        { pk: pk(batchId), sk: recipientSk(index) },
        { set: { state: 'retry', retry_at: retryAt, reason: reason.slice(0, 1000) }, remove: ['claimed_until'] },
        { condition: when.and(when.equals('attempt_id', attemptId), when.equals('state', 'sending')) },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** Gives a claim back untouched (nothing was attempted: the invocation ran out of time first). */
  async unclaim(batchId: string, index: number, record: RecipientRecord): Promise<void> {
    try {
      await this.table.update(
        { pk: pk(batchId), sk: recipientSk(index) },
        { set: { state: 'retry', retry_at: 0, attempts: record.attempts - 1 }, remove: ['claimed_until'] },
        { condition: when.and(when.equals('attempt_id', record.attempt_id), when.equals('state', 'sending')) },
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

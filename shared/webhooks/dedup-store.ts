/**
 * De-duplication of upstream deliveries: a conditional put claims a delivery for processing (with a
 * lease), completion marks it done for the provider's retry window and longer. A claim whose lease
 * expired (the invocation died) can be taken over, so a crash never turns into a lost delivery.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';

export type ClaimResult = 'claimed' | 'duplicate' | 'in_progress';

// The parts of the claim condition that do not depend on the time, made once.
const ABSENT = when.absent();
const PROCESSING = when.equals('state', 'processing');

export class DedupStore {
  constructor(
    private readonly table: Table,
    private readonly options: { leaseMs?: number; clock?: () => number } = {},
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async claim(key: string, ttlSeconds: number): Promise<ClaimResult> {
    const now = this.now();
    try {
      await this.table.put(
        { pk: key, state: 'processing', lease_until: now + (this.options.leaseMs ?? 30_000), expires_at: nowSeconds(now) + ttlSeconds },
        { condition: when.or(ABSENT, when.and(PROCESSING, when.lessThan('lease_until', now))) },
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const existing = await this.table.get({ pk: key });
      return existing?.state === 'done' ? 'duplicate' : 'in_progress';
    }
  }

  complete(key: string, ttlSeconds: number, summary: Record<string, unknown> = {}): Promise<void> {
    const now = this.now();
    return this.table.put({ pk: key, state: 'done', completed_at: new Date(now).toISOString(), expires_at: nowSeconds(now) + ttlSeconds, ...summary });
  }

  /** Gives up a claim (the work failed) so the provider's retry is processed. */
  async release(key: string): Promise<void> {
    try {
      await this.table.delete({ pk: key }, { condition: when.equals('state', 'processing') });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

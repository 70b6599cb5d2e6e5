/**
 * Per-shop coordination of token refreshes across Lambda instances (DynamoDB in AWS): a lease-based lock
 * so one function spends the rotating refresh token while the others wait and re-read, and a cooldown
 * after a failed refresh so a broken endpoint is not hammered. Times are compared on attributes written
 * with the injected clock; `expires_at` only lets DynamoDB clean up.
 */
import { randomUUID } from 'node:crypto';
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';

export interface Cooldown {
  untilMs: number;
  reason: string;
}

export class TokenLocks {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The lock's owner id when taken; undefined when another holder's lease is still running. */
  async acquire(shop: string, leaseMs: number): Promise<string | undefined> {
    const owner = randomUUID();
    const now = this.clock();
    try {
      await this.table.put(
        { pk: `lock#${shop}`, owner, lease_until_ms: now + leaseMs, expires_at: nowSeconds(now + leaseMs) + 3600 },
        { condition: when.or(when.absent(), when.lessThan('lease_until_ms', now)) },
      );
      return owner;
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  async release(shop: string, owner: string): Promise<void> {
    try {
      await this.table.delete({ pk: `lock#${shop}` }, { condition: when.equals('owner', owner) });
    } catch (error) {
      // Our lease ran out and someone else holds it now: theirs to release.
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  async cooldown(shop: string): Promise<Cooldown | undefined> {
    const item = await this.table.get({ pk: `cooldown#${shop}` });
    const until = Number(item?.until_ms);
    if (!item || !Number.isFinite(until) || until <= this.clock()) return undefined;
    return { untilMs: until, reason: String(item.reason ?? 'previous refresh failed') };
  }

  async startCooldown(shop: string, ms: number, reason: string): Promise<void> {
    const until = this.clock() + ms;
    await this.table.put({ pk: `cooldown#${shop}`, until_ms: until, reason: reason.slice(0, 500), expires_at: nowSeconds(until) + 3600 });
  }

  async clearCooldown(shop: string): Promise<void> {
    await this.table.delete({ pk: `cooldown#${shop}` });
  }

  /**
   * The fingerprint of the refresh token spent last. A later holder that reads this same refresh token
   * from the secret store is looking at a stale copy (the new one is being written or propagated) and
   * must re-read rather than spend it again.
   */
  async recordSpent(shop: string, fingerprint: string): Promise<void> {
    await this.table.put({ pk: `spent#${shop}`, fingerprint, at_ms: this.clock(), expires_at: nowSeconds(this.clock()) + 86400 });
  }

  async wasSpent(shop: string, fingerprint: string): Promise<boolean> {
    const item = await this.table.get({ pk: `spent#${shop}` });
    return item?.fingerprint === fingerprint;
  }
}

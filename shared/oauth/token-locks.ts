/**
 * Per-account coordination of token refreshes across Lambda instances (DynamoDB in AWS), for every OAuth
 * provider: a lease-based lock so one function spends the rotating refresh token while the others wait and
 * re-read, spend marks so a refresh token is never spent twice, and a cooldown after a failed refresh so a
 * broken endpoint is not hammered. Times are compared on attributes written with the injected clock;
 * `expires_at` only lets DynamoDB clean up. Each provider has its own table (`shopify-token-locks`,
 * `tiktok-token-locks`); the account is the provider's account id (a shop domain, an open_id).
 *
 * | pk | what |
 * |---|---|
 * | `lock#<account>` | the lease: `owner`, `lease_until_ms` |
 * | `cooldown#<account>` | no refresh before `until_ms` |
 * | `spent#<account>#<fingerprint>` | a refresh token (sha-256) being spent (`spending`, until `until_ms`) or spent |
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';

export interface Cooldown {
  untilMs: number;
  reason: string;
}

/** A lock we hold: our owner id and when the lease runs out (by the injected clock). */
export interface Lease {
  owner: string;
  untilMs: number;
}

/**
 * What is known about spending a refresh token:
 * - `spending`: a holder is spending it right now (its lease still runs): wait and re-read;
 * - `spent`: spent, and its successor stored: whoever still reads it is looking at a stale copy;
 * - `abandoned`: a holder started spending it and never finished (crashed, or lost the successor);
 *   it may still be good, and only trying it tells.
 */
export type SpendState = 'spending' | 'spent' | 'abandoned';

/** How long spend marks stay (well beyond any read lag of the secret store). */
const SPENT_MARK_TTL_S = 86_400;

const spentKey = (account: string, fingerprint: string) => ({ pk: `spent#${account}#${fingerprint}` });

/** How spend marks name a refresh token: its SHA-256 (never the token). */
export const refreshTokenFingerprint = (refreshToken: string): string => createHash('sha256').update(refreshToken).digest('hex');

export class TokenLocks {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The lease when taken; undefined when another holder's lease is still running. */
  async acquire(account: string, leaseMs: number): Promise<Lease | undefined> {
    const owner = randomUUID();
    const now = this.clock();
    try {
      await this.table.put(
        { pk: `lock#${account}`, owner, lease_until_ms: now + leaseMs, expires_at: nowSeconds(now + leaseMs) + 3600 },
        { condition: when.or(when.absent(), when.lessThan('lease_until_ms', now)) },
      );
      return { owner, untilMs: now + leaseMs };
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  /** Extends our lease; false when the lock is no longer ours (it ran out and someone else took it). */
  async renew(account: string, owner: string, leaseMs: number): Promise<boolean> {
    const until = this.clock() + leaseMs;
    try {
      await this.table.update({ pk: `lock#${account}` }, { set: { lease_until_ms: until, expires_at: nowSeconds(until) + 3600 } }, { condition: when.equals('owner', owner) });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  async release(account: string, owner: string): Promise<void> {
    try {
      await this.table.delete({ pk: `lock#${account}` }, { condition: when.equals('owner', owner) });
    } catch (error) {
      // Our lease ran out and someone else holds it now: theirs to release.
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  async cooldown(account: string): Promise<Cooldown | undefined> {
    const item = await this.table.get({ pk: `cooldown#${account}` });
    const until = Number(item?.until_ms);
    if (!item || !Number.isFinite(until) || until <= this.clock()) return undefined;
    return { untilMs: until, reason: String(item.reason ?? 'previous refresh failed') };
  }

  async startCooldown(account: string, ms: number, reason: string): Promise<void> {
    const until = this.clock() + ms;
    await this.table.put({ pk: `cooldown#${account}`, until_ms: until, reason: reason.slice(0, 500), expires_at: nowSeconds(until) + 3600 });
  }

  async clearCooldown(account: string): Promise<void> {
    await this.table.delete({ pk: `cooldown#${account}` });
  }

  /** What is known about spending the refresh token with this fingerprint (undefined: nothing). */
  async spendState(account: string, fingerprint: string): Promise<{ state: SpendState; owner: string } | undefined> {
    const item = await this.table.get(spentKey(account, fingerprint));
    if (!item) return undefined;
    const owner = String(item.owner ?? '');
    if (item.state === 'spending') return { state: Number(item.until_ms) > this.clock() ? 'spending' : 'abandoned', owner };
    return { state: 'spent', owner };
  }

  /**
   * Claims the refresh token for spending, before it is sent to the provider: in one transaction, renews our
   * lease (only if the lock is still ours) and marks the fingerprint `spending` until the renewed lease
   * ends (only if nobody marked it before, or that holder abandoned it). The lease returned is the renewed
   * one; undefined means the lock is no longer ours or the token was claimed by someone else: do not spend.
   */
  async beginSpend(account: string, owner: string, fingerprint: string, leaseMs: number): Promise<Lease | undefined> {
    const now = this.clock();
    const until = now + leaseMs;
    try {
      await this.table.transactWrite([
        {
          update: { pk: `lock#${account}` },
          spec: { set: { lease_until_ms: until, expires_at: nowSeconds(until) + 3600 } },
          condition: when.equals('owner', owner),
        },
        {
          put: { ...spentKey(account, fingerprint), state: 'spending', owner, at_ms: now, until_ms: until, expires_at: nowSeconds(until) + SPENT_MARK_TTL_S },
          condition: when.or(when.absent(), when.and(when.equals('state', 'spending'), when.lessThan('until_ms', now))),
        },
      ]);
      return { owner, untilMs: until };
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  /** Renews our lease and our `spending` mark (while the successor is still being stored). */
  async extendSpend(account: string, owner: string, fingerprint: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const until = now + leaseMs;
    try {
      await this.table.transactWrite([
        { update: { pk: `lock#${account}` }, spec: { set: { lease_until_ms: until, expires_at: nowSeconds(until) + 3600 } }, condition: when.equals('owner', owner) },
        { update: spentKey(account, fingerprint), spec: { set: { until_ms: until } }, condition: when.and(when.equals('owner', owner), when.equals('state', 'spending')) },
      ]);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** The token is spent for good (its successor is stored, or the provider said it is dead). */
  async finishSpend(account: string, owner: string, fingerprint: string): Promise<void> {
    const now = this.clock();
    await this.table.put({ ...spentKey(account, fingerprint), state: 'spent', owner, at_ms: now, until_ms: now, expires_at: nowSeconds(now) + SPENT_MARK_TTL_S });
  }

  /** The provider answered without rotating (an error status, or nothing): the token was not spent after all. */
  async abortSpend(account: string, owner: string, fingerprint: string): Promise<void> {
    try {
      await this.table.delete(spentKey(account, fingerprint), { condition: when.and(when.equals('owner', owner), when.equals('state', 'spending')) });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

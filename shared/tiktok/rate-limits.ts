/**
 * TikTok's limits, paced on our side before TikTok has to say no:
 * - Display API endpoints: 600 requests per one-minute sliding window each. `MinuteWindowPacer` keeps this
 *   execution environment under it (a call waits for room within its deadline); across environments,
 *   TikTok's own 429 is retried by the client within the deadline.
 * - Research API: a daily request quota (1000 per UTC day by default, TIKTOK_RESEARCH_DAILY_REQUESTS),
 *   counted for the whole platform in DynamoDB (`tiktok-state`, pk `research-quota`, sk the UTC day): a
 *   request is counted before it is sent, and once the day's quota is spent — by our count, or because
 *   TikTok answered 429 — callers get 429 with Retry-After until the next UTC day, without a call to TikTok.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';
import { TikTokRateLimitedError } from './errors';

const MINUTE_MS = 60_000;

export class MinuteWindowPacer {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * How long to wait before one more request to `key` fits in its window of `perMinute`, counting the
   * requests sent and the slots reserved by callers still waiting.
   */
  delayMs(key: string, perMinute: number): number {
    const now = this.clock();
    const times = (this.sent.get(key) ?? []).filter((t) => t > now - MINUTE_MS);
    this.sent.set(key, times);
    return times.length < perMinute ? 0 : Math.max(0, times[times.length - perMinute]! + MINUTE_MS - now);
  }

  /**
   * Takes the slot `afterMs` from now (the delay `delayMs` just gave): callers that wait hold distinct slots,
   * so waking together does not burst past the window.
   */
  record(key: string, afterMs = 0): void {
    const times = this.sent.get(key) ?? [];
    times.push(this.clock() + afterMs);
    this.sent.set(key, times);
  }
}

/** `YYYYMMDD` of a UTC day. */
export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10).replaceAll('-', '');

/** Seconds until the next UTC midnight (at least 1). */
export function secondsToNextUtcDay(at: number): number {
  const next = new Date(at);
  next.setUTCHours(24, 0, 0, 0);
  return Math.max(1, Math.ceil((next.getTime() - at) / 1000));
}

export interface QuotaUsage {
  day: string;
  requests: number;
  limit: number;
  spent: boolean;
}

export class ResearchQuota {
  constructor(
    private readonly table: Table,
    private readonly limit: number,
    private readonly clock: () => number = Date.now,
  ) {}

  private key(at: number) {
    return { pk: 'research-quota', sk: utcDay(at) };
  }

  private exhausted(at: number, why: string): TikTokRateLimitedError {
    return new TikTokRateLimitedError('research_quota_exhausted', `the TikTok Research API's daily request quota is spent (${why}); it renews at 00:00 UTC`, secondsToNextUtcDay(at), {
      day: utcDay(at),
      limit: this.limit,
    });
  }

  /** Counts one request of today's quota, or throws 429 (Retry-After: the next UTC day) when it is spent. */
  async take(): Promise<void> {
    const now = this.clock();
    try {
      await this.table.update(
        this.key(now),
        { add: { requests: 1 }, set: { expires_at: nowSeconds(now) + 3 * 86_400 } },
        { condition: when.or(when.absent(), when.and(when.lessThan('requests', this.limit), when.attrAbsent('spent'))) },
      );
    } catch (error) {
      if (error instanceof ConditionFailedError) throw this.exhausted(now, `${this.limit} requests a day`);
      throw error;
    }
  }

  /** TikTok answered 429: nothing more today. Returns the error to give the caller. */
  async markSpent(): Promise<TikTokRateLimitedError> {
    const now = this.clock();
    await this.table.update(this.key(now), { set: { spent: true, expires_at: nowSeconds(now) + 3 * 86_400 } });
    return this.exhausted(now, 'TikTok answered rate_limit_exceeded');
  }

  async usage(): Promise<QuotaUsage> {
    const now = this.clock();
    const item = await this.table.get(this.key(now));
    return { day: utcDay(now), requests: Number(item?.requests ?? 0), limit: this.limit, spent: item?.spent === true };
  }
}

/**
 * SendGrid pacing, from its own `X-RateLimit-*` headers: when an answer says no request is left
 * (Remaining 0) or comes back 429, the account pauses until `X-RateLimit-Reset` — for every worker,
 * through the shared `email-send-rate` table (read at most once a second per environment).
 */
import { nowSeconds, type Table } from '../../../storage/table';
import { sleep } from '../../../timing';
import { headerValue, RATE_HEADERS } from './api';

export interface RateObservation {
  status: number;
  headers: unknown;
}

const LOCAL_READ_MS = 1000;
/** A 429 without a usable reset time pauses this long. */
const DEFAULT_PAUSE_MS = 1000;

export class SendGridRateGate {
  private readonly local = new Map<string, { pausedUntil: number; readAt: number }>();

  constructor(
    private readonly table: Table,
    private readonly options: { clock?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private key(account: string): string {
    return `sendgrid:${account}`;
  }

  private async pausedUntil(account: string): Promise<number> {
    const cached = this.local.get(account);
    if (cached && this.now() - cached.readAt < LOCAL_READ_MS) return cached.pausedUntil;
    const item = await this.table.get({ pk: this.key(account) });
    const pausedUntil = Math.max(Number(item?.paused_until_ms ?? 0), cached?.pausedUntil ?? 0);
    this.local.set(account, { pausedUntil, readAt: this.now() });
    return pausedUntil;
  }

  /** Waits out a pause; returns the wait still needed when it ends after `latestStartMs` (nothing waited then). */
  async wait(account: string, latestStartMs: number, signal?: AbortSignal): Promise<number | undefined> {
    const until = await this.pausedUntil(account);
    if (until <= this.now()) return undefined;
    if (until > latestStartMs) return until - this.now();
    await (this.options.sleep ?? sleep)(until - this.now(), signal);
    return undefined;
  }

  /** Reads an answer's rate headers; pauses the account when it has no request left. Returns the pause, if any. */
  async observe(account: string, answer: RateObservation): Promise<number | undefined> {
    const remaining = Number(headerValue(answer.headers, RATE_HEADERS.remaining));
    const reset = Number(headerValue(answer.headers, RATE_HEADERS.reset));
    if (answer.status !== 429 && !(Number.isFinite(remaining) && remaining <= 0)) return undefined;
    const now = this.now();
    const until = Number.isFinite(reset) && reset * 1000 > now ? Math.min(reset * 1000, now + 60_000) : now + DEFAULT_PAUSE_MS;
    this.local.set(account, { pausedUntil: until, readAt: now });
    await this.table.put({ pk: this.key(account), paused_until_ms: until, expires_at: nowSeconds(until) + 3600 });
    return until - now;
  }
}

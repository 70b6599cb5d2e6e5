/**
 * The shared sending budget: one timeline of send slots per account (table `email-send-rate`), spaced
 * 1/rate apart, that every worker of every Lambda reserves from — so the sends of all concurrent
 * workers together stay at the account's MaxSendRate, never above it (GCRA: the item holds the
 * theoretical arrival time of the next free slot).
 *
 * A reservation is one atomic ADD of `k × interval` to `tat_us`, which hands out the k slots before the
 * new value: no read, no condition, no retry when workers contend. After an idle spell the timeline
 * lies in the past; slots in the past are discarded (using them would be a burst) and one conditional
 * write moves the timeline to now. Within an environment, concurrent callers share the reserved slots
 * (first come, first served) and reserve blocks only as large as the number of callers waiting, so a
 * single send reserves one slot and a busy worker a few (at most `blockMs` of the rate).
 *
 * A slot nobody uses (a caller gave up, a worker stopped) is capacity lost, never a send too many.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';
import { sleep } from '../timing';

export interface SendRateOptions {
  clock?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Largest block one reservation takes, as time at the current rate (default 200 ms). */
  blockMs?: number;
  /** A slot this far in the past is still used (default 250 ms); older ones are discarded. */
  slackMs?: number;
}

/** The caller's slot would come after the latest start it can accept. */
export class SlotTooLateError extends Error {
  constructor(readonly waitMs: number) {
    super(`the next send slot is ${Math.round(waitMs)} ms away: later than this call can wait`);
    this.name = 'SlotTooLateError';
  }
}

interface Waiter {
  resolve: (slotUs: number) => void;
  reject: (error: unknown) => void;
}

const DAY_S = 86_400;
/**
 * A slot up to this far in the past is still used (the process was busy when it came): SES accepts short
 * bursts (a bucket of about a second of MaxSendRate), and a quarter second of catching up stays well
 * within it. Older slots are discarded: using them would be a burst.
 */
const DEFAULT_SLACK_MS = 250;

export class SendRateTimeline {
  /** Reserved slots not handed out yet (epoch µs, ascending). */
  private pool: number[] = [];
  private readonly waiters: Waiter[] = [];
  private reserving = false;
  /** What this environment did with the timeline (for logs and the benchmark). */
  readonly stats = { reservations: 0, reserved: 0, discarded: 0, handedOut: 0, tooLate: 0, overslept: 0, idleResets: 0 };

  constructor(
    private readonly table: Table,
    /** The account's key, e.g. `ses:us-east-1`. */
    readonly key: string,
    private readonly options: SendRateOptions = {},
  ) {}

  private nowMs(): number {
    return (this.options.clock ?? Date.now)();
  }

  /**
   * Waits for this caller's slot at `ratePerSecond` and returns when it has come — never more than the
   * slack after it (a caller the process woke later takes a new slot), so the sends of any interval are
   * bounded by the slots of that interval plus the slack. Throws SlotTooLateError (without waiting) when
   * the slot lies after `latestStartMs`.
   */
  async acquire(ratePerSecond: number, latestStartMs: number, signal?: AbortSignal): Promise<void> {
    const slackMs = this.options.slackMs ?? DEFAULT_SLACK_MS;
    for (;;) {
      const slotUs = await new Promise<number>((resolve, reject) => {
        this.waiters.push({ resolve, reject });
        this.serve(ratePerSecond);
      });
      const slotMs = slotUs / 1000;
      if (slotMs > latestStartMs) {
        // Someone behind may still use it.
        this.stats.tooLate++;
        this.stats.handedOut--;
        this.pool.unshift(slotUs);
        throw new SlotTooLateError(slotMs - this.nowMs());
      }
      await (this.options.sleep ?? sleep)(slotMs - this.nowMs(), signal);
      // Woken too late (a busy process): sending now would bunch with the slots after it. Take another.
      if (this.nowMs() - slotMs <= slackMs || signal?.aborted) return;
      this.stats.overslept++;
    }
  }

  /** Hands out pooled slots to waiters, reserving a block when the pool runs dry. */
  private serve(ratePerSecond: number): void {
    const slackUs = (this.options.slackMs ?? DEFAULT_SLACK_MS) * 1000;
    const nowUs = this.nowMs() * 1000;
    while (this.pool.length && this.pool[0]! < nowUs - slackUs) {
      this.pool.shift();
      this.stats.discarded++;
    }
    while (this.waiters.length && this.pool.length) {
      this.stats.handedOut++;
      this.waiters.shift()!.resolve(this.pool.shift()!);
    }
    if (!this.waiters.length || this.reserving) return;
    this.reserving = true;
    const intervalUs = Math.ceil(1_000_000 / ratePerSecond);
    const maxBlock = Math.max(1, Math.floor((ratePerSecond * (this.options.blockMs ?? 200)) / 1000));
    const k = Math.min(this.waiters.length, maxBlock);
    this.reserve(k, intervalUs).then(
      (slots) => {
        this.pool.push(...slots);
        this.reserving = false;
        this.serve(ratePerSecond);
      },
      (error: unknown) => {
        this.reserving = false;
        for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      },
    );
  }

  /**
   * Reserves k slots on the shared timeline; returns those not already in the past when the answer
   * arrives. A timeline that lags behind (idle, or reservations slower than the sends) is moved to a
   * start a little in the future — as far as a reservation's own round trip is expected to take — so
   * the slots are still ahead when they reach the caller.
   */
  private async reserve(k: number, intervalUs: number): Promise<number[]> {
    const slackUs = (this.options.slackMs ?? DEFAULT_SLACK_MS) * 1000;
    for (let attempt = 0; attempt < 5; attempt++) {
      const askedUs = Math.floor(this.nowMs() * 1000);
      const item = await this.table.update({ pk: this.key }, { add: { tat_us: k * intervalUs }, set: { expires_at: nowSeconds(askedUs / 1000) + DAY_S } });
      const answeredUs = Math.floor(this.nowMs() * 1000);
      this.observeLatency(answeredUs - askedUs);
      const end = Number(item.tat_us);
      this.stats.reservations++;
      this.stats.reserved += k;
      const slots = Array.from({ length: k }, (_, i) => end - (k - i) * intervalUs).filter((slot) => slot >= answeredUs - slackUs);
      this.stats.discarded += k - slots.length;
      if (slots.length) return slots;
      // The timeline lies in the past: move it ahead, unless another worker already did.
      const startUs = answeredUs + this.leadUs();
      try {
        await this.table.update(
          { pk: this.key },
          { set: { tat_us: startUs + k * intervalUs, expires_at: nowSeconds(answeredUs / 1000) + DAY_S } },
          { condition: when.lessThan('tat_us', startUs) },
        );
        this.stats.idleResets++;
        this.stats.reserved += k;
        return Array.from({ length: k }, (_, i) => startUs + i * intervalUs);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    throw new Error(`could not reserve send slots on ${this.key}`);
  }

  /** Round trips of the reservations (moving average), and the lead a moved timeline starts with. */
  private latencyUs = 20_000;
  private observeLatency(us: number): void {
    this.latencyUs = 0.8 * this.latencyUs + 0.2 * Math.max(0, us);
  }
  private leadUs(): number {
    return Math.min(1_000_000, Math.round(2 * this.latencyUs));
  }

  /**
   * The provider throttled us anyway (another sender on the account, a lower rate than we knew): every
   * worker waits `ms` more, and this environment's reserved slots are given up.
   */
  async penalize(ms: number): Promise<void> {
    this.pool = [];
    const nowUs = Math.floor(this.nowMs() * 1000);
    const target = nowUs + ms * 1000;
    const item = await this.table.update({ pk: this.key }, { add: { tat_us: ms * 1000 }, set: { expires_at: nowSeconds(nowUs / 1000) + DAY_S } });
    if (Number(item.tat_us) >= target) return;
    try {
      await this.table.update({ pk: this.key }, { set: { tat_us: target } }, { condition: when.lessThan('tat_us', target) });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

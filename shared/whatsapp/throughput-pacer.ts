/**
 * Pacing per phone number across every concurrent sender (Lambda environments, the local runtime): a
 * shared budget in DynamoDB made of time-slot leases. A number sending `mps` messages per second has
 * slots of `capacity` send positions (a quarter of a second each); position `p` of slot `s` is the
 * instant `s × slot length + p / mps`. A sender leases positions with one atomic, conditional counter
 * increment on the slot's item (`ADD n k` while `n < capacity`), then sends at its positions' instants.
 * A position is never handed out twice, so all senders together keep to `mps`, spaced `1/mps` apart —
 * no bursts, however many senders there are.
 *
 * An environment whose sends are quick leases a small block of consecutive positions at a time (up to
 * 50 ms of sending) and the next block as soon as it starts using one, so the DynamoDB round trip
 * overlaps the sends instead of adding to each (a Lambda serves one request at a time: it cannot hide
 * that latency by running sends side by side). One whose sends take longer (Meta answering in 200 ms)
 * leases as many as it can use in time — one at a time, leaving the rest to the other senders. A position may be used a little late (50 ms by default: a burst above the
 * schedule is at most that much sending); positions left unused longer simply pass.
 *
 * While the number sends below its limit, the counter of the current slot lags behind the clock: a lease
 * then sets it to where the clock will be when the write lands (`SET n` if `n` is still below that), so
 * no position long past is handed out; once the counter runs ahead of the clock (the number at its limit)
 * leases take the next positions in turn (`ADD`). Each slot is its own item
 * (`pace#<number>#<mps>#<slot>`), so a busy number's writes spread over partitions; items expire a minute
 * after their slot.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';
import { sleep as defaultSleep } from '../timing';
import { WhatsAppError } from './errors';

/** Meta's default for a registered business number. */
export const DEFAULT_THROUGHPUT_MPS = 80;
/** Seconds of sending one slot holds (its capacity = mps × this). */
const SLOT_SECONDS = 0.25;
/** Seconds of sending one lease takes at a time. */
const BLOCK_SECONDS = 0.05;

export interface PacerOptions {
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Positions leased at a time (default: 50 ms of sending, at least 1). */
  blockSize?: (mps: number) => number;
  /** Fit the block to how fast this environment sends (default true); false: always `blockSize` (the benchmark compares). */
  adaptive?: boolean;
  /**
   * How late a sender may still use a position (default 50 ms; one it holds, at least one interval): a sender
   * held up for a moment (a slow round trip, a garbage collection) keeps its place instead of losing
   * it, so a burst above the schedule is at most this much sending (4 messages at 80 msg/s).
   */
  lateToleranceMs?: number;
}

export interface Lease {
  /** When to send (epoch ms). */
  at: number;
  slot: number;
  position: number;
}

/** 503: the number's budget is taken until after the caller's deadline. */
export class ThroughputExhaustedError extends WhatsAppError {
  constructor(phoneNumberId: string, mps: number, waitMs: number) {
    super(503, 'whatsapp_throughput_exhausted', `phone number ${phoneNumberId} is sending at its limit of ${mps} messages per second; the next free send slot is after this request's deadline`, {
      details: { phone_number_id: phoneNumberId, throughput_mps: mps },
      retryAfterS: Math.max(1, waitMs / 1000),
    });
  }
}

export function slotShape(mps: number): { capacity: number; slotMs: number; intervalMs: number } {
  if (!(mps > 0) || !Number.isFinite(mps)) throw new Error(`throughput must be a positive number of messages per second (got ${mps})`);
  const capacity = Math.max(1, Math.floor(mps * SLOT_SECONDS));
  const intervalMs = 1000 / mps;
  return { capacity, slotMs: capacity * intervalMs, intervalMs };
}

interface Reserve {
  leases: Lease[];
  /** The lease of the next block, under way. */
  refill?: Promise<void>;
  /** The first slot that may still have room, as far as this environment knows. */
  hint: number;
  /** When the last position handed out was due (its instant, or when it was handed out if later). */
  usedAt?: number;
  /** How long this environment took, for its last sends, from a position's instant to asking for the next (none after a pause). */
  sendTimes: number[];
  /** How long a lease write takes (smoothed): a claim aims where the clock will be when it lands. */
  writeMs?: number;
  /** The last lease found the number's counter ahead of the clock (sending at its limit). */
  saturated?: boolean;
}

/** A gap longer than this between two sends is a pause, not the time a send takes. */
const IDLE_MS = 1000;
/** Sends whose time decides the block size (their median: one held-up send does not change it). */
const SEND_SAMPLES = 8;

export class ThroughputPacer {
  private readonly reserves = new Map<string, Reserve>();
  /** Conditional writes made, positions leased, positions that passed unused in this environment (the benchmark reports them). */
  readonly stats = { writes: 0, leased: 0, dropped: 0 };

  constructor(
    private readonly table: Table,
    private readonly options: PacerOptions = {},
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private reserve(phoneNumberId: string, mps: number): Reserve {
    const key = `${phoneNumberId}@${mps}`;
    let reserve = this.reserves.get(key);
    if (!reserve) {
      reserve = { leases: [], hint: 0, sendTimes: [] };
      this.reserves.set(key, reserve);
    }
    return reserve;
  }

  /**
   * The next send position of `phoneNumberId` at `mps` for this environment, whose instant is at the
   * latest `latestAt`; throws ThroughputExhaustedError when every position before that is taken.
   */
  async lease(phoneNumberId: string, mps: number, latestAt: number): Promise<Lease> {
    const { intervalMs } = slotShape(mps);
    const reserve = this.reserve(phoneNumberId, mps);
    if (reserve.usedAt !== undefined) {
      const spent = Math.max(0, this.now() - reserve.usedAt);
      if (spent > IDLE_MS) reserve.sendTimes = [];
      else reserve.sendTimes = [...reserve.sendTimes.slice(-(SEND_SAMPLES - 1)), spent];
    }
    for (;;) {
      // A position may be used a little late, never later: many late ones used at once would be a burst.
      const tolerance = Math.max(intervalMs, this.tolerance());
      while (reserve.leases.length && reserve.leases[0]!.at < this.now() - tolerance) {
        reserve.leases.shift();
        this.stats.dropped++;
      }
      const lease = reserve.leases[0];
      if (lease) {
        if (lease.at > latestAt) throw new ThroughputExhaustedError(phoneNumberId, mps, lease.at - this.now());
        reserve.leases.shift();
        reserve.usedAt = Math.max(this.now(), lease.at);
        // A sender quick enough to use a block leases the next one while it uses this one (for whichever
        // request comes next: up to a minute ahead).
        const block = this.blockFor(reserve, mps);
        if (block > 1 && reserve.leases.length < 2 * block) this.refill(phoneNumberId, mps, reserve, this.now() + 60_000).catch(() => undefined);
        return lease;
      }
      await this.refill(phoneNumberId, mps, reserve, latestAt);
    }
  }

  /** Leases a position and waits for its instant. */
  async acquire(phoneNumberId: string, mps: number, latestAt: number): Promise<Lease> {
    const lease = await this.lease(phoneNumberId, mps, latestAt);
    const wait = lease.at - this.now();
    if (wait > 0) await (this.options.sleep ?? defaultSleep)(wait);
    return lease;
  }

  /** One block lease at a time per number in this environment; callers arriving meanwhile share it. */
  private refill(phoneNumberId: string, mps: number, reserve: Reserve, latestAt: number): Promise<void> {
    reserve.refill ??= this.leaseBlock(phoneNumberId, mps, reserve, latestAt).finally(() => {
      reserve.refill = undefined;
    });
    return reserve.refill;
  }

  private tolerance(): number {
    return this.options.lateToleranceMs ?? 50;
  }

  private blockSize(mps: number): number {
    return Math.max(1, Math.min(slotShape(mps).capacity, Math.floor(this.options.blockSize?.(mps) ?? Math.ceil(mps * BLOCK_SECONDS))));
  }

  /**
   * How many consecutive positions this environment can use before the last is too late: all of a block
   * when a send takes less than the interval; fewer as sends take longer (a Lambda whose call to Meta takes
   * 200 ms uses one position per lease, leaving the rest to the others); one when nothing is known yet.
   */
  private blockFor(reserve: Reserve, mps: number): number {
    const max = this.blockSize(mps);
    if (this.options.adaptive === false) return max;
    const { intervalMs } = slotShape(mps);
    if (!reserve.sendTimes.length) return 1;
    const sorted = [...reserve.sendTimes].sort((a, b) => a - b);
    const sendMs = sorted[Math.floor(sorted.length / 2)]!;
    if (sendMs <= intervalMs) return max;
    return Math.max(1, Math.min(max, 1 + Math.floor(this.tolerance() / (sendMs - intervalMs))));
  }

  private async leaseBlock(phoneNumberId: string, mps: number, reserve: Reserve, latestAt: number): Promise<void> {
    const { capacity, slotMs, intervalMs } = slotShape(mps);
    const block = this.blockFor(reserve, mps);
    // The first position still usable in a slot: none more than the tolerance in the past.
    const usableFrom = (start: number) => Math.max(0, Math.ceil((this.now() - this.tolerance() - start) / intervalMs));
    let slot = Math.max(Math.floor((this.now() - this.tolerance()) / slotMs), reserve.hint);
    for (;;) {
      const start = slot * slotMs;
      if (start > latestAt) throw new ThroughputExhaustedError(phoneNumberId, mps, start - this.now());
      // Positions already past cannot be used; a slot entirely past is skipped without a write.
      if (usableFrom(start) >= capacity) {
        slot++;
        continue;
      }
      const key = { pk: `pace#${phoneNumberId}#${mps}#${slot}` };
      const expires_at = nowSeconds(start + slotMs) + 60;
      const write = async <T>(run: () => Promise<T>): Promise<T> => {
        const began = this.now();
        this.stats.writes++;
        try {
          return await run();
        } finally {
          reserve.writeMs = 0.8 * (reserve.writeMs ?? 10) + 0.2 * (this.now() - began);
        }
      };
      let first: number;
      let last: number;
      if (!reserve.saturated) {
        // Nobody is ahead of the clock (the number is not sending at its limit): claim from where the clock
        // will be when this write lands, moving a counter that lags behind it at the same time.
        const target = Math.max(usableFrom(start), Math.ceil((this.now() + (reserve.writeMs ?? 10) - start) / intervalMs));
        if (target >= capacity) {
          // This slot will be over by the time the write lands.
          slot++;
          continue;
        }
        const want = Math.min(block, capacity - target);
        {
          try {
            await write(() => this.table.update(key, { set: { n: target + want, expires_at } }, { condition: when.or(when.attrAbsent('n'), when.lessThan('n', target + 1)) }));
            first = Math.max(target, usableFrom(start));
            last = target + want - 1;
            if (first <= last) {
              this.take(reserve, slot, start, intervalMs, capacity, first, last);
              return;
            }
            continue;
          } catch (error) {
            if (!(error instanceof ConditionFailedError)) throw error;
            reserve.saturated = true; // the counter is ahead of the clock: take the next positions in turn
          }
        }
      }
      let n: number;
      try {
        const want = block;
        n = (await write(() => this.table.update(key, { add: { n: want }, set: { expires_at } }, { condition: when.or(when.attrAbsent('n'), when.lessThan('n', capacity)) }))).n as number;
        first = Math.max(n - want, usableFrom(start));
        last = Math.min(n, capacity) - 1;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        slot++;
        reserve.hint = slot;
        continue;
      }
      if (first <= last) {
        this.take(reserve, slot, start, intervalMs, capacity, first, last);
        return;
      }
      // Nothing usable: the slot filled up (the next one), or its counter lagged behind the clock after all.
      if (n >= capacity) slot++;
      else reserve.saturated = false;
    }
  }

  private take(reserve: Reserve, slot: number, start: number, intervalMs: number, capacity: number, first: number, last: number): void {
    reserve.hint = last + 1 >= capacity ? slot + 1 : slot;
    for (let position = first; position <= last; position++) reserve.leases.push({ at: start + position * intervalMs, slot, position });
    this.stats.leased += last - first + 1;
  }
}

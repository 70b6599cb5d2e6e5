/**
 * Pacing per phone number across every concurrent sender (Lambda environments, the local runtime): a
 * shared budget in DynamoDB made of time-slot leases. A number sending `mps` messages per second gets
 * slots of `capacity` sends each (`capacity / mps` seconds long); a sender leases the next position in
 * the current or a later slot with one atomic, conditional counter increment (`ADD n 1` while
 * `n < capacity`) and sends at that position's instant: `slot start + position / mps`. Positions are
 * never handed out twice, so all senders together stay at `mps` with sends spaced `1/mps` apart — no
 * bursts, whatever the number of senders.
 *
 * A slot first touched late (part of it already past) would hand out positions in the past, and the
 * senders holding them would all send at once: the lagging counter is moved forward to the present in
 * one more increment. Each slot is its own item (`pace#<number>#<mps>#<slot>`), so a busy number's writes
 * spread over partitions; items expire a minute after their slot.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';
import { sleep as defaultSleep } from '../timing';
import { WhatsAppError } from './errors';

/** Meta's default for a registered business number. */
export const DEFAULT_THROUGHPUT_MPS = 80;
/** Seconds of sending one slot holds (its capacity = mps × this). */
const SLOT_SECONDS = 0.25;

export interface PacerOptions {
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Lease {
  /** When to send (epoch ms). */
  at: number;
  slot: number;
  position: number;
  /** Conditional writes it took (1 in the steady state). */
  writes: number;
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

export class ThroughputPacer {
  /** Per number: the first slot that may still have room, as far as this environment knows. */
  private readonly hints = new Map<string, number>();

  constructor(
    private readonly table: Table,
    private readonly options: PacerOptions = {},
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /**
   * Leases the next send position of `phoneNumberId` at `mps`, whose instant is at the latest
   * `latestAt`; throws ThroughputExhaustedError when every position before that is taken.
   */
  async lease(phoneNumberId: string, mps: number, latestAt: number): Promise<Lease> {
    const { capacity, slotMs, intervalMs } = slotShape(mps);
    const hintKey = `${phoneNumberId}@${mps}`;
    let slot = Math.max(Math.floor(this.now() / slotMs), this.hints.get(hintKey) ?? 0);
    let writes = 0;
    for (;;) {
      const start = slot * slotMs;
      if (start > latestAt) throw new ThroughputExhaustedError(phoneNumberId, mps, start - this.now());
      // Positions already in the past cannot be used; a slot entirely past is skipped without a write.
      const present = Math.max(0, Math.ceil((this.now() - start) / intervalMs));
      if (present >= capacity) {
        slot++;
        continue;
      }
      const key = { pk: `pace#${phoneNumberId}#${mps}#${slot}` };
      const expires_at = nowSeconds(start + slotMs) + 60;
      let taken: number;
      try {
        writes++;
        const item = await this.table.update(key, { add: { n: 1 }, set: { expires_at } }, { condition: when.or(when.attrAbsent('n'), when.lessThan('n', capacity)) });
        taken = (item.n as number) - 1;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        slot++;
        this.hints.set(hintKey, slot);
        continue;
      }
      if (taken < present) {
        // The counter lags behind the clock (nobody sent in this slot's past): move it to the present at once.
        const skip = present - taken;
        try {
          writes++;
          const item = await this.table.update(key, { add: { n: skip } }, { condition: when.lessThan('n', capacity - skip + 1) });
          taken = (item.n as number) - 1;
        } catch (error) {
          if (!(error instanceof ConditionFailedError)) throw error;
          slot++;
          this.hints.set(hintKey, slot);
          continue;
        }
      }
      this.hints.set(hintKey, slot);
      const at = start + taken * intervalMs;
      if (at > latestAt) throw new ThroughputExhaustedError(phoneNumberId, mps, at - this.now());
      return { at, slot, position: taken, writes };
    }
  }

  /** Leases a position and waits for its instant. */
  async acquire(phoneNumberId: string, mps: number, latestAt: number): Promise<Lease> {
    const lease = await this.lease(phoneNumberId, mps, latestAt);
    const wait = lease.at - this.now();
    if (wait > 0) await (this.options.sleep ?? defaultSleep)(wait);
    return lease;
  }
}

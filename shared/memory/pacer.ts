/**
 * Per-namespace pacing of backend calls, per execution environment. Work waits in one queue per
 * namespace; queues take turns (round robin; a namespace that just got work goes first), each namespace may have at most `perNamespaceInFlight`
 * calls out at once and the environment `maxInFlight`, and a namespace's calls are spaced to stay under
 * Pinecone's per-namespace rates (requests and upserted bytes per second, token buckets). So one agent's
 * bulk upsert — hundreds of batches into its namespace — takes its share, not the whole pipe: another
 * namespace's query is sent at its next turn, not after the last batch. Work still waiting when its
 * deadline comes is refused (503, Retry-After) instead of being sent too late.
 */
import { PacingTimeoutError } from './errors';

export interface PacerOptions {
  /** Calls out at once across every namespace (default 16). */
  maxInFlight?: number;
  /** Calls out at once for one namespace (default 4). */
  perNamespaceInFlight?: number;
  /** Calls per second per namespace (default: no limit). */
  requestsPerSecond?: number;
  /** Bytes sent per second per namespace (default: no limit). */
  bytesPerSecond?: number;
  clock?: () => number;
}

interface Task {
  bytes: number;
  deadline: number;
  what: string;
  start: () => void;
  reject: (error: Error) => void;
}

interface Lane {
  key: string;
  queue: Task[];
  /** Waiting for its first turn since it got work: goes ahead of lanes already being served. */
  fresh: boolean;
  inFlight: number;
  requestTokens: number;
  byteTokens: number;
  refilledAt: number;
}

export class NamespacePacer {
  private readonly lanes = new Map<string, Lane>();
  /** Lanes with waiting work, in turn order. */
  private readonly turns: Lane[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxInFlight: number;
  private readonly perNamespace: number;
  private readonly rps: number;
  private readonly bps: number;

  constructor(private readonly options: PacerOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? 16;
    this.perNamespace = Math.min(options.perNamespaceInFlight ?? 4, this.maxInFlight);
    this.rps = options.requestsPerSecond ?? Infinity;
    this.bps = options.bytesPerSecond ?? Infinity;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Runs `fn` when the namespace's turn comes; `bytes` is what it sends (upserts). */
  run<T>(key: string, work: { bytes?: number; deadline: number; what: string }, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let lane = this.lanes.get(key);
      if (!lane) {
        // A new lane starts with one second's worth of tokens (a burst), like Pinecone's own buckets.
        lane = { key, queue: [], fresh: false, inFlight: 0, requestTokens: Math.min(this.rps, 1e9), byteTokens: Math.min(this.bps, 1e15), refilledAt: this.now() };
        this.lanes.set(key, lane);
      }
      const owner = lane;
      const task: Task = {
        bytes: work.bytes ?? 0,
        deadline: work.deadline,
        what: work.what,
        reject,
        start: () => {
          owner.inFlight++;
          this.inFlight++;
          fn()
            .then(resolve, reject)
            .finally(() => {
              owner.inFlight--;
              this.inFlight--;
              this.pump();
            });
        },
      };
      lane.queue.push(task);
      if (lane.queue.length === 1 && !this.turns.includes(lane)) {
        if (lane.inFlight > 0) this.turns.push(lane);
        else {
          // A namespace that just got work (none of its calls out) takes its turn before those already in
          // rotation, after other newcomers: a query is not queued behind a round of another's bulk upsert.
          let at = 0;
          while (at < this.turns.length && this.turns[at]!.fresh) at++;
          lane.fresh = true;
          this.turns.splice(at, 0, lane);
        }
      }
      this.pump();
    });
  }

  private refill(lane: Lane, now: number): void {
    const elapsed = (now - lane.refilledAt) / 1000;
    if (elapsed <= 0) return;
    lane.requestTokens = Math.min(this.rps, lane.requestTokens + elapsed * this.rps);
    lane.byteTokens = Math.min(this.bps, lane.byteTokens + elapsed * this.bps);
    lane.refilledAt = now;
  }

  /** Starts what may start, in turn order; arms a timer for the earliest lane that waits for tokens. */
  private pump(): void {
    const now = this.now();
    let wakeAt = Infinity;
    let progressed = true;
    while (progressed && this.inFlight < this.maxInFlight && this.turns.length) {
      progressed = false;
      for (let i = 0; i < this.turns.length && this.inFlight < this.maxInFlight; ) {
        const lane = this.turns[i]!;
        const task = lane.queue[0]!;
        if (task.deadline <= now) {
          lane.queue.shift();
          task.reject(new PacingTimeoutError(task.what));
          progressed = true;
          if (!lane.queue.length) this.turns.splice(i, 1);
          continue;
        }
        if (lane.inFlight >= this.perNamespace) {
          i++;
          continue;
        }
        this.refill(lane, now);
        // A call bigger than the whole bucket goes when the bucket is full (else it would never fit).
        const needBytes = Math.min(task.bytes, this.bps);
        if (lane.requestTokens < 1 || lane.byteTokens < needBytes) {
          const waitReq = lane.requestTokens < 1 ? ((1 - lane.requestTokens) / this.rps) * 1000 : 0;
          const waitBytes = lane.byteTokens < needBytes ? ((needBytes - lane.byteTokens) / this.bps) * 1000 : 0;
          wakeAt = Math.min(wakeAt, now + Math.max(waitReq, waitBytes), task.deadline);
          i++;
          continue;
        }
        lane.requestTokens -= 1;
        lane.byteTokens -= needBytes;
        lane.queue.shift();
        lane.fresh = false;
        // Round robin: this lane goes to the back of the turns if it still has work.
        this.turns.splice(i, 1);
        if (lane.queue.length) this.turns.push(lane);
        task.start();
        progressed = true;
      }
    }
    // Work held back by the in-flight limits is still refused at its deadline, even if nothing finishes first.
    for (const lane of this.turns) wakeAt = Math.min(wakeAt, lane.queue[0]!.deadline);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (wakeAt !== Infinity) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(wakeAt - now)));
      this.timer.unref?.();
    }
    // Lanes with nothing queued and nothing out are forgotten (their buckets refill fully meanwhile anyway).
    if (this.lanes.size > 1000) for (const [key, lane] of this.lanes) if (!lane.queue.length && !lane.inFlight) this.lanes.delete(key);
  }
}

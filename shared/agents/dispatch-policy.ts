/**
 * The one retry strategy of agent invocations. The dispatcher (an MSK consumer) tries an invocation a
 * couple of times right away, so a blip costs no latency; what still fails goes to the `agent-dispatch`
 * queue and `agents-dispatch-retry` tries again with growing waits (the message is made invisible for
 * the wait); after the last attempt — or at once when AgentService refuses the invocation (a 4xx other
 * than 408/425/429) — it goes to `agent-dispatch-dlq` with the last error, whose alarm tells operators.
 * `ionflux agents redrive` moves it back. Nothing is skipped silently.
 */
export interface DispatchPolicy {
  /** Attempts the dispatcher makes before handing an invocation to the retry queue. */
  inlineAttempts: number;
  /** Wait between inline attempts (full jitter below it). */
  inlineBackoffMs: number;
  /** Longest one call to AgentService may take. */
  attemptTimeoutMs: number;
  /** Calls to AgentService in flight at once per function invocation. */
  concurrency: number;
  /** Waits after the retry worker's 1st, 2nd, … failed attempt; its attempts are one more than the waits. */
  retryDelaysS: number[];
  /** Largest invocation body: a group of events above it is split over several invocations. */
  maxBodyBytes: number;
}

export const defaultDispatchPolicy: DispatchPolicy = {
  inlineAttempts: 2,
  inlineBackoffMs: 250,
  attemptTimeoutMs: 10_000,
  concurrency: 16,
  // About 2 hours of retries in all before the DLQ.
  retryDelaysS: [15, 30, 60, 120, 300, 600, 1200, 2400],
  maxBodyBytes: 5 * 1024 * 1024,
};

/** The retry worker's attempts before the DLQ. */
export const workerAttempts = (policy: DispatchPolicy): number => policy.retryDelaysS.length + 1;

/** SQS keeps a message invisible for at most 12 hours. */
const MAX_VISIBILITY_S = 12 * 3600;

/**
 * The wait after the retry worker's `attempt`-th failed attempt (1-based): the schedule's, at least what
 * AgentService asked for (Retry-After), with up to 20 % jitter so failed invocations do not return together.
 */
export function retryDelayMs(policy: DispatchPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const scheduled = (policy.retryDelaysS[Math.min(attempt, policy.retryDelaysS.length) - 1] ?? 0) * 1000;
  const base = Math.max(scheduled, retryAfterMs ?? 0);
  return Math.min(MAX_VISIBILITY_S * 1000, Math.round(base * (1 - 0.2 * random())));
}

/**
 * The one retry policy: what a provider failure means and whether to try the same provider again.
 * Retry: network errors, timeouts, 408, 429 rate limits, 5xx, 529. Never: 400/401/403/404/413/422,
 * 402, quota-exhausted 429s. Waits honour retry-after(-ms); a wait that would not leave time for the
 * next attempt before the deadline — or, while fallbacks remain, that would eat into the time kept for
 * them — is not taken (the engine falls back instead).
 */
import type { ProviderFailure } from './provider';

/** Whose problem a failure is; decides the final status when every provider fails. */
export type Blame = 'request' | 'unavailable' | 'timeout' | 'upstream';

export interface FailureClass {
  /** Our normalised error code. */
  code: string;
  retryable: boolean;
  blame: Blame;
  /**
   * What the failure says about the key (provider + secret), shared by every workspace that uses it:
   * `now`: cool it down at once (bad key, no credit); `count`: a provider-side health signal (rate limit,
   * 5xx/529, connection error) that counts towards the key's cooldown; `workspace`: a failure the
   * request may have caused itself (a timeout, a 408, an unreadable answer) — it counts only towards a
   * cooldown of the key for this workspace, so one workspace's huge prompts cannot switch off the
   * platform key for the others; `none`.
   */
  cooldown: 'now' | 'count' | 'workspace' | 'none';
}

const REQUEST_CODES: Record<number, string> = { 400: 'invalid_request', 413: 'request_too_large', 415: 'unsupported_input', 422: 'unprocessable' };

export function classifyFailure(failure: ProviderFailure): FailureClass {
  switch (failure.kind) {
    case 'aborted':
      return { code: 'deadline_exceeded', retryable: false, blame: 'timeout', cooldown: 'none' };
    case 'timeout':
      return { code: 'timeout', retryable: true, blame: 'timeout', cooldown: 'workspace' };
    case 'network':
      return { code: 'network_error', retryable: true, blame: 'unavailable', cooldown: 'count' };
    case 'bad_response':
      return { code: 'bad_response', retryable: false, blame: 'upstream', cooldown: 'workspace' };
    case 'refused':
      return { code: 'unsafe_url', retryable: false, blame: 'upstream', cooldown: 'none' };
    case 'internal':
      return { code: 'internal_error', retryable: false, blame: 'upstream', cooldown: 'none' };
    case 'rejected':
      return { code: REQUEST_CODES[failure.status ?? 400] ?? 'invalid_request', retryable: false, blame: 'request', cooldown: 'none' };
    case 'http':
      break;
  }
  const status = failure.status ?? 0;
  let result: FailureClass;
  if (failure.quotaExhausted || status === 402) result = { code: 'quota_exceeded', retryable: false, blame: 'upstream', cooldown: 'now' };
  else if (status === 401) result = { code: 'authentication_failed', retryable: false, blame: 'upstream', cooldown: 'now' };
  else if (status === 403) result = { code: 'permission_denied', retryable: false, blame: 'upstream', cooldown: 'none' };
  else if (status === 404) result = { code: 'not_found', retryable: false, blame: 'upstream', cooldown: 'none' };
  else if (REQUEST_CODES[status]) result = { code: REQUEST_CODES[status]!, retryable: false, blame: 'request', cooldown: 'none' };
  else if (status === 408) result = { code: 'timeout', retryable: true, blame: 'timeout', cooldown: 'workspace' };
  else if (status === 429) result = { code: 'rate_limited', retryable: true, blame: 'unavailable', cooldown: 'count' };
  else if (status === 529 || status === 503) result = { code: 'overloaded', retryable: true, blame: 'unavailable', cooldown: 'count' };
  else if (status >= 500) result = { code: 'server_error', retryable: true, blame: 'upstream', cooldown: 'count' };
  else result = { code: 'provider_error', retryable: false, blame: 'upstream', cooldown: 'none' };
  // The provider's own x-should-retry overrides the status, except that an empty account never heals by waiting.
  if (failure.shouldRetry !== undefined && result.code !== 'quota_exceeded') result = { ...result, retryable: failure.shouldRetry };
  return result;
}

export interface RetryPolicy {
  /** Retries of the same provider after the first attempt (default 2: three attempts). */
  maxRetries: number;
  /** Exponential backoff when the provider names no wait: base · 2^n, at most maxDelayMs, minus ≤ 25 % jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest an attempt may take (further capped by the deadline). */
  attemptTimeoutMs: number;
  /** An attempt is not started with less time than this left. */
  minAttemptMs: number;
  /**
   * Time kept back for the fallbacks while an earlier provider is tried: at most this, at most 30 % of
   * what is left when that provider's turn starts, and at least minAttemptMs (a fallback needs that).
   */
  fallbackReserveMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 2,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  attemptTimeoutMs: 25_000,
  minAttemptMs: 1000,
  fallbackReserveMs: 5000,
};

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: NotRetried | 'not_retryable' };

/** Why a retryable failure was not retried (reported on the attempt as `not_retried`). */
export type NotRetried = 'retries_exhausted' | 'wait_exceeds_deadline' | 'fallback_reserve';

/**
 * Whether to try the same provider again, and after how long. The wait plus a minimal attempt must fit
 * before the deadline, and — while fallbacks remain — leave `reserveMs` (the time kept for them) intact:
 * `delay + minAttempt + reserve ≤ deadline − now`.
 */
export function decideRetry(
  cls: FailureClass,
  failure: ProviderFailure,
  retriesDone: number,
  now: number,
  deadline: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
  reserveMs = 0,
): RetryDecision {
  if (!cls.retryable) return { retry: false, reason: 'not_retryable' };
  if (retriesDone >= policy.maxRetries) return { retry: false, reason: 'retries_exhausted' };
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retriesDone) * (1 - random() * 0.25);
  const delayMs = Math.round(failure.retryAfterMs ?? backoff);
  if (now + delayMs + policy.minAttemptMs > deadline) return { retry: false, reason: 'wait_exceeds_deadline' };
  if (now + delayMs + policy.minAttemptMs + reserveMs > deadline) return { retry: false, reason: 'fallback_reserve' };
  return { retry: true, delayMs };
}

/**
 * Time kept for the fallbacks when a provider's turn starts with `remainingMs` left (0 for the last
 * provider): fallbackReserveMs, at most 30 % of what is left, at least minAttemptMs.
 */
export function fallbackReserve(remainingMs: number, policy: RetryPolicy, hasFallback: boolean): number {
  if (!hasFallback) return 0;
  return Math.min(policy.fallbackReserveMs, Math.max(policy.minAttemptMs, remainingMs * 0.3));
}

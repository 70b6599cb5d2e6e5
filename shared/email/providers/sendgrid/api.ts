/**
 * SendGrid v3 Mail Send as this provider uses it, described once: where it is, what its answers mean.
 * Success is 202 with `X-Message-Id` (queued, not delivered); `X-RateLimit-Limit/-Remaining/-Reset`
 * (epoch seconds) drive pacing — SendGrid publishes no fixed mail-send rate; errors carry
 * `{ errors: [{ message, field, help }] }`.
 */
import type { FailureKind } from '../../transport';

export const SENDGRID_DEFAULT_BASE_URL = 'https://api.sendgrid.com';

export const RATE_HEADERS = { limit: 'x-ratelimit-limit', remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' } as const;
export const MESSAGE_ID_HEADER = 'x-message-id';

/**
 * 429: throttled. 401/403: the key is refused (or lacks mail.send) — the message is not at fault, so
 * another provider can still send it. 5xx: unavailable. Any other 4xx: the message itself (invalid
 * address, unverified sender, bad content): rejected, never failed over.
 */
export function classifySendGridStatus(status: number): FailureKind {
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'paused';
  if (status >= 500) return 'unavailable';
  return 'rejected';
}

/** SendGrid's reason, from its error body (`errors[].message`, with the field when given). */
export function sendGridReason(body: unknown, fallback: string): string {
  const errors = (body as { errors?: Array<{ message?: unknown; field?: unknown }> } | undefined)?.errors;
  if (!Array.isArray(errors) || !errors.length) return fallback;
  return errors
    .map((e) => (typeof e.message === 'string' ? e.message : 'unspecified error') + (typeof e.field === 'string' && e.field ? ` (${e.field})` : ''))
    .join('; ')
    .slice(0, 1000);
}

/** The header value of an axios/SendGrid response header bag (names in any case). */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const bag = headers as Record<string, unknown> & { get?: (n: string) => unknown };
  const value = typeof bag.get === 'function' ? bag.get(name) : (bag[name] ?? Object.entries(bag).find(([k]) => k.toLowerCase() === name)?.[1]);
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * The one retry loop for calls to TikTok's API (`<base_url><path>` with `Authorization: Bearer <token>`),
 * every call bounded by the caller's deadline:
 * - pacing first: an endpoint's one-minute window (MinuteWindowPacer), or the Research API's daily quota
 *   (ResearchQuota: 429 with Retry-After once the day's requests are spent);
 * - 401 `access_token_invalid`: ask the token source for a newer token (another call may have refreshed it;
 *   else one forced refresh for all concurrent callers) and retry once;
 * - 429 `rate_limit_exceeded`: a per-minute limit is waited out (Retry-After, else backoff) within the
 *   deadline, then surfaced as 429 with Retry-After; a daily quota is surfaced at once;
 * - 5xx / `internal_error` and dropped connections: retried with backoff within the deadline, then 503 with
 *   Retry-After;
 * - any other `error.code` is mapped (api.ts `errorCodes`): a scope not granted → 403 `missing_scope`,
 *   `invalid_params` → 400, anything else → 502. TikTok's code and `log_id` go into `details`, never as ours.
 */
import { errorMessage } from '../errors';
import type { FetchFn } from '../oauth/token-request';
import { moduleLogger } from '../observability/logger';
import { errorCodes, type TikTokEndpoint } from './api';
import type { TikTokApp } from './config';
import { MissingScopeError, TikTokApiError, TikTokRateLimitedError } from './errors';
import type { MinuteWindowPacer, ResearchQuota } from './rate-limits';

const log = moduleLogger('tiktok');

/** Where a call's access token comes from (a connected account's token manager, or the client token cache). */
export interface TokenSource {
  token(deadline: number): Promise<string>;
  /** TikTok answered 401 to `token`: the token to retry with. */
  rejected(token: string, deadline: number): Promise<string>;
}

export interface TikTokClientOptions {
  app: () => Promise<TikTokApp>;
  fetch: FetchFn;
  pacer: MinuteWindowPacer;
  /** The Research API's daily quota (endpoints limited `perDay`). */
  quota?: Pick<ResearchQuota, 'take' | 'markSpent'>;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per call, all causes together (default 4). */
  maxAttempts?: number;
  /** First backoff without Retry-After (default 500 ms, doubling, capped at 8 s). */
  backoffBaseMs?: number;
  /** Longest single wait a call makes (default 20 s); longer ones are surfaced to the caller. */
  maxWaitMs?: number;
  /** Longest single request (default 30 s, never past the deadline). */
  requestTimeoutMs?: number;
}

export interface CallOptions {
  tokens: TokenSource;
  query?: Record<string, string>;
  body?: unknown;
  deadline: number;
  /** The account the call is for (error details, logs). */
  openId?: string;
}

interface TikTokEnvelope {
  data?: unknown;
  error?: { code?: unknown; message?: unknown; log_id?: unknown };
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value?.trim()) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value.trim()) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class TikTokClient {
  constructor(private readonly options: TikTokClientOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private sleep(ms: number): Promise<void> {
    return (this.options.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t))))(ms);
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffBaseMs ?? 500;
    const exp = Math.min(8000, base * 2 ** (attempt - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }

  /** True when waiting `ms` still leaves time for the call; false means surface the wait to the caller. */
  private canWait(ms: number, deadline: number): boolean {
    return ms <= (this.options.maxWaitMs ?? 20_000) && this.now() + ms < deadline;
  }

  /** Calls `endpoint` and returns TikTok's `data`. */
  async call(endpoint: TikTokEndpoint, options: CallOptions): Promise<unknown> {
    const app = await this.options.app();
    const maxAttempts = this.options.maxAttempts ?? 4;
    const context = { endpoint: endpoint.name, ...(options.openId ? { open_id: options.openId } : {}) };
    let token = await options.tokens.token(options.deadline);
    let tokenRetried = false;
    const url = new URL(`${app.baseUrl}${endpoint.path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);

    for (let attempt = 1; ; attempt++) {
      if ('perMinute' in endpoint.limit) {
        const delay = this.options.pacer.delayMs(endpoint.name, endpoint.limit.perMinute);
        if (delay > 0) {
          if (!this.canWait(delay, options.deadline)) {
            throw new TikTokRateLimitedError('tiktok_rate_limited', `TikTok allows ${endpoint.limit.perMinute} ${endpoint.name} requests a minute; try again shortly`, delay / 1000, context);
          }
          await this.sleep(delay);
        }
      } else if (this.options.quota) {
        await this.options.quota.take();
      }
      this.options.pacer.record(endpoint.name);
      const left = options.deadline - this.now();
      if (left <= 0) throw new TikTokApiError('tiktok_timeout', 'no time left before the deadline to call TikTok', { status: 503, retryAfterS: 1, details: context });

      let response: Response;
      try {
        response = await this.options.fetch(url, {
          method: endpoint.method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          redirect: 'error',
          signal: AbortSignal.timeout(Math.max(1, Math.min(left, this.options.requestTimeoutMs ?? 30_000))),
        });
      } catch (error) {
        const wait = this.backoff(attempt);
        if (attempt >= maxAttempts || !this.canWait(wait, options.deadline)) {
          throw new TikTokApiError('tiktok_unavailable', `TikTok could not be reached in time: ${errorMessage(error)}`, { status: 503, retryAfterS: 2, cause: error, details: context });
        }
        log.warn('tiktok request failed; retrying', { ...context, attempt, error: errorMessage(error) });
        await this.sleep(wait);
        continue;
      }

      let envelope: TikTokEnvelope = {};
      try {
        const parsed = (await response.json()) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) envelope = parsed as TikTokEnvelope;
      } catch {
        // a body that is not JSON: judged by the status below
      }
      const code = typeof envelope.error?.code === 'string' ? envelope.error.code : '';
      const message = typeof envelope.error?.message === 'string' ? envelope.error.message.slice(0, 300) : '';
      const logId = typeof envelope.error?.log_id === 'string' ? envelope.error.log_id : undefined;
      if (response.status === 200 && (code === '' || code === 'ok')) {
        if (envelope.data === undefined || envelope.data === null) throw new TikTokApiError('tiktok_api_error', `TikTok answered ${endpoint.name} without data`, { status: 502, details: context });
        return envelope.data;
      }
      const details = { ...context, http_status: response.status, ...(code ? { tiktok_code: code } : {}), ...(logId ? { log_id: logId } : {}) };

      if (code === 'scope_not_authorized' || code === 'scope_permission_missed') {
        throw new MissingScopeError(endpoint.scope, { ...(options.openId ? { openId: options.openId } : {}), tiktokCode: code, ...(logId ? { logId } : {}) });
      }
      if (code === 'access_token_invalid' || (response.status === 401 && !code)) {
        if (tokenRetried) throw new TikTokApiError(errorCodes.access_token_invalid!.code, 'TikTok rejected a freshly refreshed access token', { status: 502, details });
        tokenRetried = true;
        token = await options.tokens.rejected(token, options.deadline);
        continue;
      }
      if (code === 'rate_limit_exceeded' || response.status === 429) {
        if ('perDay' in endpoint.limit) {
          if (this.options.quota) throw await this.options.quota.markSpent();
          throw new TikTokRateLimitedError('research_quota_exhausted', 'TikTok says the daily request quota is spent', 3600, details);
        }
        const wait = retryAfterMs(response.headers.get('retry-after'), this.now()) ?? this.backoff(attempt);
        if (attempt >= maxAttempts || !this.canWait(wait, options.deadline)) {
          throw new TikTokRateLimitedError('tiktok_rate_limited', `TikTok is rate limiting ${endpoint.name}; try again shortly`, Math.max(wait, 1000) / 1000, details);
        }
        log.info('tiktok rate limited the call; waiting', { ...context, attempt, wait_ms: wait });
        await this.sleep(wait);
        continue;
      }
      if (response.status >= 500 || code === 'internal_error') {
        const wait = retryAfterMs(response.headers.get('retry-after'), this.now()) ?? this.backoff(attempt);
        if (attempt >= maxAttempts || !this.canWait(wait, options.deadline)) {
          throw new TikTokApiError(errorCodes.internal_error!.code, `TikTok kept failing ${endpoint.name} (HTTP ${response.status}); try again later`, { status: 503, retryAfterS: Math.max(wait, 1000) / 1000, details });
        }
        log.warn('tiktok answered with a server error; retrying', { ...context, status: response.status, attempt, wait_ms: wait });
        await this.sleep(wait);
        continue;
      }
      if (code === 'invalid_params') {
        throw new TikTokApiError(errorCodes.invalid_params!.code, `TikTok refused the parameters of ${endpoint.name}${message ? `: ${message}` : ''}`, { status: 400, details });
      }
      throw new TikTokApiError('tiktok_api_error', `TikTok answered ${endpoint.name} with HTTP ${response.status}${code ? ` (${code})` : ''}`, { status: 502, details });
    }
  }
}

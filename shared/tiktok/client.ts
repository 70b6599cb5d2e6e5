/**
 * The one loop for calls to TikTok's API (`<base_url><path>` with `Authorization: Bearer <token>`), every
 * call bounded by the caller's deadline:
 * - pacing first: an endpoint's one-minute window (MinuteWindowPacer: a slot is reserved, and waited for
 *   within the deadline, else 429 with Retry-After), or the Research API's daily quota (ResearchQuota: 429
 *   with Retry-After once the day's requests are spent);
 * - 401 `access_token_invalid`: ask the token source for a newer token (another call may have refreshed it;
 *   else one forced refresh for all concurrent callers) and retry once;
 * - 429 `rate_limit_exceeded`, 5xx / `internal_error`, dropped connections and timeouts: retried as the
 *   shared retry policy decides (shared/llm/retry-policy.ts: backoff or TikTok's Retry-After, only while the
 *   wait and another attempt fit before the deadline), then 429 with Retry-After (a rate limit) or 503; a
 *   daily quota TikTok says is spent is surfaced at once;
 * - any other `error.code` is mapped (api.ts `errorCodes`): a scope not granted → 403 `missing_scope`,
 *   `invalid_params` → 400, anything else → 502. TikTok's code and `log_id` go into `details`, never as ours.
 */
import { errorMessage } from '../errors';
import { retryAfterMs } from '../llm/providers/wire';
import type { ProviderFailure } from '../llm/provider';
import { classifyFailure, decideRetry, defaultRetryPolicy, type RetryPolicy } from '../llm/retry-policy';
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
  /** Retries of transient failures (default: the shared policy, three attempts). */
  policy?: RetryPolicy;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
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

export class TikTokClient {
  constructor(private readonly options: TikTokClientOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private sleep(ms: number): Promise<void> {
    return (this.options.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t))))(ms);
  }

  private get policy(): RetryPolicy {
    return this.options.policy ?? defaultRetryPolicy;
  }

  /** Waits for the endpoint's pacing slot within the deadline, or counts one request of the daily quota. */
  private async pace(endpoint: TikTokEndpoint, deadline: number, context: Record<string, unknown>): Promise<void> {
    if ('perDay' in endpoint.limit) {
      await this.options.quota?.take();
      return;
    }
    const { perMinute } = endpoint.limit;
    const delay = this.options.pacer.delayMs(endpoint.name, perMinute);
    if (delay > 0 && this.now() + delay + this.policy.minAttemptMs > deadline) {
      throw new TikTokRateLimitedError('tiktok_rate_limited', `TikTok allows ${perMinute} ${endpoint.name} requests a minute; try again shortly`, delay / 1000, context);
    }
    this.options.pacer.record(endpoint.name, delay);
    if (delay > 0) await this.sleep(delay);
  }

  /** Waits before the next attempt when the shared retry policy says so; false: give up now. */
  private async retryAfter(failure: ProviderFailure, retries: number, deadline: number, context: Record<string, unknown>): Promise<boolean> {
    const decision = decideRetry(classifyFailure(failure), failure, retries, this.now(), deadline, this.policy, this.options.random ?? Math.random);
    log.warn('tiktok call failed', { ...context, kind: failure.kind, status: failure.status ?? null, attempt: retries + 1, retry_in_ms: decision.retry ? decision.delayMs : null });
    if (!decision.retry) return false;
    await this.sleep(decision.delayMs);
    return true;
  }

  /** Calls `endpoint` and returns TikTok's `data`. */
  async call(endpoint: TikTokEndpoint, options: CallOptions): Promise<unknown> {
    const app = await this.options.app();
    const { deadline } = options;
    const context = { endpoint: endpoint.name, ...(options.openId ? { open_id: options.openId } : {}) };
    let token = await options.tokens.token(deadline);
    let tokenRetried = false;
    const url = new URL(`${app.baseUrl}${endpoint.path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);

    for (let retries = 0; ; ) {
      await this.pace(endpoint, deadline, context);
      const left = deadline - this.now();
      if (left < Math.min(this.policy.minAttemptMs, 250)) throw new TikTokApiError('tiktok_timeout', 'no time left before the deadline to call TikTok', { status: 503, retryAfterS: 1, details: context });

      let response: Response;
      try {
        response = await this.options.fetch(url, {
          method: endpoint.method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          redirect: 'error',
          signal: AbortSignal.timeout(Math.max(1, Math.min(left, this.policy.attemptTimeoutMs))),
        });
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        if (await this.retryAfter({ kind: timedOut ? 'timeout' : 'network', message: errorMessage(error) }, retries++, deadline, context)) continue;
        throw new TikTokApiError('tiktok_unavailable', `TikTok could not be reached in time: ${errorMessage(error)}`, { status: 503, retryAfterS: 2, cause: error, details: context });
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
        token = await options.tokens.rejected(token, deadline);
        continue;
      }
      const waitMs = retryAfterMs(response.headers, this.now());
      if (code === 'rate_limit_exceeded' || response.status === 429) {
        if ('perDay' in endpoint.limit) {
          if (this.options.quota) throw await this.options.quota.markSpent();
          throw new TikTokRateLimitedError('research_quota_exhausted', 'TikTok says the daily request quota is spent', 3600, details);
        }
        if (await this.retryAfter({ kind: 'http', status: 429, message: message || code, ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}) }, retries++, deadline, context)) continue;
        throw new TikTokRateLimitedError('tiktok_rate_limited', `TikTok is rate limiting ${endpoint.name}; try again shortly`, Math.max(waitMs ?? 0, 1000) / 1000, details);
      }
      if (response.status >= 500 || code === 'internal_error') {
        const status = response.status >= 500 ? response.status : 503;
        if (await this.retryAfter({ kind: 'http', status, message: message || code, ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}) }, retries++, deadline, context)) continue;
        throw new TikTokApiError(errorCodes.internal_error!.code, `TikTok kept failing ${endpoint.name} (HTTP ${response.status}); try again later`, {
          status: 503,
          retryAfterS: Math.max(waitMs ?? 0, 1000) / 1000,
          details,
        });
      }
      if (code === 'invalid_params') {
        throw new TikTokApiError(errorCodes.invalid_params!.code, `TikTok refused the parameters of ${endpoint.name}${message ? `: ${message}` : ''}`, { status: 400, details });
      }
      throw new TikTokApiError('tiktok_api_error', `TikTok answered ${endpoint.name} with HTTP ${response.status}${code ? ` (${code})` : ''}`, { status: 502, details });
    }
  }
}

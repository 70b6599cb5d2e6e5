/**
 * The GraphQL Admin API client for one shop: `POST <origin>/admin/api/<version>/graphql.json` with the
 * shop's access token. One retry loop owns every retry:
 *
 * - cost pacing before sending (ThrottleBudgets, from `extensions.cost.throttleStatus`);
 * - `THROTTLED` (HTTP 200 with the error in the body): wait `(requested - available) / restoreRate`, retry;
 * - 429 and 5xx: wait `Retry-After` — in **seconds** (`2.0` is two seconds) or an HTTP date — or back off
 *   exponentially, retry;
 * - 401: ask the token manager for a newer token (another function may have refreshed, else a forced
 *   refresh) and retry once;
 * - everything within the caller's deadline: when the next wait would pass it, fail with 503 + Retry-After.
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { ShopifyApiError } from './errors';
import { isThrottleStatus, type QueryCost, type ThrottleBudgets } from './throttle-budget';
import type { FetchFn } from './token-endpoint';

const log = moduleLogger('shopify');

export interface AccessTokenProvider {
  token(options: { deadline: number }): Promise<string>;
  /** Called with the token Shopify answered 401 to; returns the token to retry with. */
  rejected(token: string, options: { deadline: number }): Promise<string>;
}

export interface GraphqlClientOptions {
  shop: string;
  endpoint: string;
  tokens: AccessTokenProvider;
  fetch: FetchFn;
  budgets: ThrottleBudgets;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per call, all causes together (default 8). */
  maxAttempts?: number;
  /** First backoff without Retry-After (default 500 ms, doubling, capped at 8 s). */
  backoffBaseMs?: number;
  /** Longest Retry-After we honour before giving the caller a 503 instead (default 60 s). */
  maxWaitMs?: number;
  requestTimeoutMs?: number;
}

export interface GraphqlError {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
  path?: unknown[];
}

export interface GraphqlResponse<T> {
  data?: T;
  errors?: GraphqlError[];
  extensions?: { cost?: QueryCost };
}

export interface QueryOptions {
  deadline: number;
  /** Expected cost when nothing is known yet about this query (default: its last requested cost, else 50). */
  estimatedCost?: number;
  /**
   * Called before the request is sent again after an attempt Shopify may have carried out (it answered 5xx,
   * or the connection failed): a retried mutation can find its own earlier effect.
   */
  onResend?: (reason: string) => void;
}

/** `Retry-After` in milliseconds: delta-seconds (fractions allowed, e.g. `2.0`) or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const DEFAULT_COST = 50;

export class ShopifyGraphqlClient {
  /** Last requested cost per query text: what to reserve before sending it again. */
  private readonly knownCosts = new Map<string, number>();

  constructor(private readonly options: GraphqlClientOptions) {}

  get shop(): string {
    return this.options.shop;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private sleep(ms: number): Promise<void> {
    return (this.options.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t))))(ms);
  }

  /** Waits `ms`, or fails now when that would pass the deadline. */
  private async wait(ms: number, deadline: number, why: string): Promise<void> {
    if (ms <= 0) return;
    if (this.now() + ms > deadline || ms > (this.options.maxWaitMs ?? 60_000)) {
      throw new ShopifyApiError(`Shopify ${this.options.shop}: ${why}; waiting ${Math.ceil(ms / 1000)} s would pass the deadline`, {
        status: 503,
        retryAfterS: ms / 1000,
        details: { shop: this.options.shop, reason: why },
      });
    }
    await this.sleep(ms);
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffBaseMs ?? 500;
    const exp = Math.min(8000, base * 2 ** (attempt - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }

  /** Runs a query or mutation and returns `data`; GraphQL errors other than THROTTLED throw. */
  async request<T>(query: string, variables: Record<string, unknown> = {}, options: QueryOptions): Promise<T> {
    const { shop, budgets } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 8;
    let tokenRetried = false;
    let token = await this.options.tokens.token({ deadline: options.deadline });
    for (let attempt = 1; ; attempt++) {
      const estimate = this.knownCosts.get(query) ?? options.estimatedCost ?? DEFAULT_COST;
      await this.wait(budgets.waitMs(shop, estimate), options.deadline, 'query cost budget exhausted');
      budgets.reserve(shop, estimate);

      if (Date.now() >= options.deadline) {
        throw new ShopifyApiError(`Shopify ${shop}: no time left before the deadline to send the query`, { status: 503, retryAfterS: 1, details: { shop } });
      }
      let response: Response;
      try {
        response = await this.options.fetch(this.options.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-shopify-access-token': token },
          body: JSON.stringify({ query, variables }),
          redirect: 'error',
          signal: AbortSignal.timeout(Math.max(1, Math.min(options.deadline - Date.now(), this.options.requestTimeoutMs ?? 30_000))),
        });
      } catch (error) {
        if (attempt >= maxAttempts) throw new ShopifyApiError(`Shopify ${shop} unreachable: ${errorMessage(error)}`, { status: 502, cause: error, details: { shop } });
        log.warn('shopify request failed; retrying', { shop, attempt, error: errorMessage(error) });
        await this.wait(this.backoff(attempt), options.deadline, `unreachable (${errorMessage(error)})`);
        options.onResend?.(`unreachable (${errorMessage(error)})`);
        continue;
      }

      if (response.status === 401) {
        await response.body?.cancel();
        if (tokenRetried) throw new ShopifyApiError(`Shopify ${shop} rejected a freshly refreshed access token`, { status: 502, details: { shop } });
        tokenRetried = true;
        token = await this.options.tokens.rejected(token, { deadline: options.deadline });
        continue;
      }
      if (response.status === 429 || response.status >= 500) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.now());
        await response.body?.cancel();
        const why = `HTTP ${response.status}`;
        if (attempt >= maxAttempts) {
          throw new ShopifyApiError(`Shopify ${shop} kept answering ${why}`, { status: 503, details: { shop, http_status: response.status }, retryAfterS: (retryAfter ?? 1000) / 1000 });
        }
        const waitMs = retryAfter ?? this.backoff(attempt);
        log.warn('shopify answered with a retryable status', { shop, status: response.status, attempt, wait_ms: waitMs });
        await this.wait(waitMs, options.deadline, why);
        // A 5xx may come after the operation ran; a 429 is refused before it does.
        if (response.status >= 500) options.onResend?.(why);
        continue;
      }
      if (response.status !== 200) {
        const text = (await response.text()).slice(0, 300);
        throw new ShopifyApiError(`Shopify ${shop} answered HTTP ${response.status}${text ? `: ${text}` : ''}`, {
          status: response.status === 403 ? 403 : response.status === 404 || response.status === 402 || response.status === 423 ? 409 : 502,
          details: { shop, http_status: response.status },
        });
      }

      let body: GraphqlResponse<T>;
      try {
        body = (await response.json()) as GraphqlResponse<T>;
      } catch (error) {
        throw new ShopifyApiError(`Shopify ${shop} answered with a body that is not JSON`, { cause: error, details: { shop } });
      }
      const cost = body.extensions?.cost;
      if (isThrottleStatus(cost?.throttleStatus)) budgets.observe(shop, cost.throttleStatus);
      if (typeof cost?.requestedQueryCost === 'number') this.knownCosts.set(query, cost.requestedQueryCost);

      const errors = body.errors ?? [];
      if (errors.some((e) => e.extensions?.code === 'THROTTLED')) {
        if (attempt >= maxAttempts) throw new ShopifyApiError(`Shopify ${shop} kept throttling`, { status: 503, details: { shop }, retryAfterS: 2 });
        const status = cost?.throttleStatus;
        const requested = cost?.requestedQueryCost ?? estimate;
        const waitMs = isThrottleStatus(status) ? Math.max(100, Math.ceil(((Math.min(requested, status.maximumAvailable) - status.currentlyAvailable) / status.restoreRate) * 1000)) : this.backoff(attempt);
        log.info('shopify throttled the query; waiting for the bucket to refill', { shop, attempt, wait_ms: waitMs, requested_cost: requested });
        await this.wait(waitMs, options.deadline, 'throttled');
        continue;
      }
      if (errors.length) {
        const codes = [...new Set(errors.map((e) => e.extensions?.code).filter(Boolean))];
        throw new ShopifyApiError(`Shopify ${shop} GraphQL error: ${errors.map((e) => e.message).join('; ').slice(0, 500)}`, {
          status: codes.includes('ACCESS_DENIED') ? 403 : 502,
          details: { shop, codes },
        });
      }
      if (body.data === undefined || body.data === null) throw new ShopifyApiError(`Shopify ${shop} answered without data`, { details: { shop } });
      return body.data;
    }
  }
}

/** Throws ShopifyUserError-style failures for a mutation payload's `userErrors`. */
export function userErrorsOf(payload: unknown): Array<{ field?: unknown; message: string; code?: unknown }> {
  const list = (payload as { userErrors?: unknown } | null | undefined)?.userErrors;
  return Array.isArray(list) ? (list as Array<{ field?: unknown; message: string; code?: unknown }>) : [];
}

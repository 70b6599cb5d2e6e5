/**
 * One request to an OAuth token endpoint — the code exchange, a refresh, client credentials — the same way
 * for every provider: JSON (Shopify) or form-encoded (TikTok) body, a fixed timeout that the caller's
 * deadline never cuts short, lifetimes read from each response (never assumed), and a response that leaves
 * out the refresh token keeps the one we had (a blank one is never stored). Also the revocation of a token
 * (`revokeToken`: a user disconnecting an account), over the same wire code.
 *
 * Failures are the provider's own errors, built by the `errors` it passes: `rejected` for a 4xx (other than
 * 429) or an OAuth error body — the grant may be dead —, `failed` for everything that says nothing about
 * the grant (unreachable, 5xx, 429, an answer without a token).
 */
import { errorMessage } from '../errors';

export type FetchFn = typeof fetch;

/** What we keep per connected account (in Secrets Manager; never in the connection record, never logged). */
export interface OAuthTokens {
  access_token: string;
  /** Granted scopes, comma-separated as the provider reports them. */
  scope: string;
  /** Epoch ms; absent for a non-expiring token. */
  expires_at?: number;
  refresh_token?: string;
  refresh_token_expires_at?: number;
  obtained_at: number;
}

/**
 * Longest token request. It is never cut short by the caller's deadline: the provider may already have used
 * the code or rotated the refresh token, and an answer given up on is a token lost. The token manager does
 * not start a refresh it could put off when the caller has less than this left, and its lock's lease
 * comfortably outlasts it.
 */
export const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

export interface TokenRequest {
  url: string;
  encoding: 'json' | 'form';
  fields: Record<string, string>;
  /** The refresh token being spent: kept when the response carries no successor. */
  previousRefresh?: string;
  /** Access-token lifetime assumed when a response with a refresh token leaves `expires_in` out. */
  defaultAccessTtlS: number;
  /**
   * A shorter timeout for a request that spends nothing (client credentials): it may follow the caller's
   * deadline. Never for a code or a refresh token (default TOKEN_REQUEST_TIMEOUT_MS).
   */
  timeoutMs?: number;
}

export interface TokenRequestErrors {
  /** A 4xx (other than 429) or an OAuth error body (`error`): the grant may be dead. */
  rejected(httpStatus: number, oauthError: string, description: string): Error;
  /** `what` completes "<provider> token endpoint … ": unreachable, answered HTTP 503, answered without an access_token. */
  failed(what: string, options: { status: number; httpStatus?: number; retryAfterS?: number; cause?: unknown }): Error;
}

export interface TokenResponse {
  tokens: OAuthTokens;
  /** The whole parsed response, for provider fields such as TikTok's `open_id`. */
  body: Record<string, unknown>;
}

const positive = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
};

/** One form or JSON POST to an OAuth endpoint, its answer parsed (an unreadable body reads as `{}`). */
async function postOAuth(
  fetchFn: FetchFn,
  request: Pick<TokenRequest, 'url' | 'encoding' | 'fields' | 'timeoutMs'>,
  errors: Pick<TokenRequestErrors, 'failed'>,
): Promise<{ response: Response; parsed: Record<string, unknown>; oauthError: string; description: string }> {
  const body = request.encoding === 'json' ? JSON.stringify(request.fields) : new URLSearchParams(request.fields).toString();
  let response: Response;
  try {
    response = await fetchFn(request.url, {
      method: 'POST',
      headers: {
        'content-type': request.encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'cache-control': 'no-cache',
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(Math.max(1, Math.min(TOKEN_REQUEST_TIMEOUT_MS, request.timeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS))),
    });
  } catch (error) {
    throw errors.failed(`unreachable: ${errorMessage(error)}`, { status: 502, cause: error });
  }
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) parsed = value as Record<string, unknown>;
  } catch {
    // judged by the status and the fields the caller needs
  }
  const oauthError = typeof parsed.error === 'string' ? parsed.error : '';
  const description = typeof parsed.error_description === 'string' ? parsed.error_description : '';
  if (response.status >= 500 || response.status === 429) {
    const retryAfter = positive(response.headers.get('retry-after'));
    throw errors.failed(`answered HTTP ${response.status}`, { status: 503, httpStatus: response.status, ...(retryAfter ? { retryAfterS: retryAfter } : {}) });
  }
  return { response, parsed, oauthError, description };
}

export async function requestTokens(fetchFn: FetchFn, request: TokenRequest, errors: TokenRequestErrors, clock: () => number = Date.now): Promise<TokenResponse> {
  const started = clock();
  const { response, parsed, oauthError, description } = await postOAuth(fetchFn, request, errors);
  const accessToken = parsed.access_token;
  // Some endpoints (TikTok's) answer an OAuth error with HTTP 200 and an `error` body.
  if (response.status >= 400 || (oauthError && (typeof accessToken !== 'string' || accessToken === ''))) {
    throw errors.rejected(response.status, oauthError, description);
  }
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw errors.failed('answered without an access_token', { status: 502, httpStatus: response.status });
  }
  const tokens: OAuthTokens = { access_token: accessToken, scope: typeof parsed.scope === 'string' ? parsed.scope : '', obtained_at: started };
  const refresh = typeof parsed.refresh_token === 'string' && parsed.refresh_token !== '' ? parsed.refresh_token : request.previousRefresh;
  const expiresIn = positive(parsed.expires_in);
  if (expiresIn) tokens.expires_at = started + expiresIn * 1000;
  else if (refresh) tokens.expires_at = started + request.defaultAccessTtlS * 1000;
  if (refresh) {
    tokens.refresh_token = refresh;
    // Shopify says refresh_token_expires_in, TikTok refresh_expires_in.
    const refreshIn = positive(parsed.refresh_expires_in ?? parsed.refresh_token_expires_in);
    if (refreshIn) tokens.refresh_token_expires_at = started + refreshIn * 1000;
  }
  return { tokens, body: parsed };
}

/**
 * Revokes a token at the provider's revocation endpoint (RFC 7009 style: the token and the app's
 * credentials in the body; success is any 2xx without an OAuth `error`). It spends nothing, so the caller's
 * deadline may cut it short (`timeoutMs`).
 */
export async function revokeToken(fetchFn: FetchFn, request: Pick<TokenRequest, 'url' | 'encoding' | 'fields' | 'timeoutMs'>, errors: TokenRequestErrors): Promise<void> {
  const { response, oauthError, description } = await postOAuth(fetchFn, request, errors);
  if (response.status >= 400 || oauthError) throw errors.rejected(response.status, oauthError, description);
}

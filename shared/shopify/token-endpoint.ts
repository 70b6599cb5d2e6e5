/**
 * Shopify's token endpoint, `<origin>/admin/oauth/access_token`: the authorization-code exchange for an
 * expiring offline token (`expiring: 1`: a 1 h access token plus a refresh token that rotates on every
 * use) and the refresh grant. Lifetimes are read from each response, never assumed; a response that
 * leaves out the refresh token keeps the one we had (a blank one is never stored).
 */
import { errorMessage } from '../errors';
import { type ShopifyConfig, tokenEndpoint } from './config';
import { ShopifyTokenError } from './errors';

export type FetchFn = typeof fetch;

/** What we keep in Secrets Manager per shop (never in the connection record, never logged). */
export interface ShopTokens {
  access_token: string;
  /** Granted scopes, comma-separated as Shopify reports them. */
  scope: string;
  /** Epoch ms; absent for a legacy non-expiring token. */
  expires_at?: number;
  refresh_token?: string;
  refresh_token_expires_at?: number;
  obtained_at: number;
}

export interface AppCredentials {
  clientId: string;
  clientSecret: string;
}

/** HTTP statuses with which Shopify says the shop itself is unavailable (frozen for payment, not found, locked). */
const SHOP_UNAVAILABLE = new Set([402, 404, 423]);

/**
 * The endpoint answered the token request with a 4xx (other than 429). Only `invalid_grant` means the
 * grant itself is dead (revoked, expired, already used); a frozen or locked shop (402/423), an edge 403/404
 * or an `invalid_request` says nothing about the refresh token and must never cost the merchant a reinstall.
 */
export class TokenGrantRejectedError extends ShopifyTokenError {
  constructor(
    readonly shop: string,
    readonly httpStatus: number,
    readonly oauthError: string,
  ) {
    super(
      SHOP_UNAVAILABLE.has(httpStatus)
        ? `Shopify reports ${shop} unavailable (HTTP ${httpStatus}${httpStatus === 402 ? ', shop frozen' : httpStatus === 423 ? ', shop locked' : ''}); try again later`
        : `Shopify refused the token request for ${shop} (HTTP ${httpStatus}${oauthError ? `, ${oauthError}` : ''})`,
      {
        // Shop unavailable reads like the GraphQL client's 402/404/423; anything else is Shopify failing us.
        status: SHOP_UNAVAILABLE.has(httpStatus) ? 409 : 502,
        details: { shop, http_status: httpStatus, oauth_error: oauthError || null, ...(SHOP_UNAVAILABLE.has(httpStatus) ? { reason: 'shop_unavailable' } : {}) },
      },
    );
  }

  /** The grant is dead (OAuth `invalid_grant`): for a refresh, the shop's access is gone. */
  get isGrantDead(): boolean {
    return this.oauthError === 'invalid_grant';
  }

  /** Shopify says the shop is frozen (402), not found (404) or locked (423): transient from our side. */
  get isShopUnavailable(): boolean {
    return SHOP_UNAVAILABLE.has(this.httpStatus);
  }

  /** Our app credentials are wrong: an operator problem, not the shop's. */
  get isClientProblem(): boolean {
    return this.oauthError === 'invalid_client' || this.oauthError === 'unauthorized_client';
  }
}

/** When Shopify leaves `expires_in` out of a refresh response, assume its documented 1 h. */
const DEFAULT_ACCESS_TTL_S = 3600;
/** Longest token request; the refresh lock's lease must comfortably outlast it (token-manager.ts). */
export const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

export class ShopifyTokenEndpoint {
  constructor(
    private readonly options: { config: Pick<ShopifyConfig, 'apiOriginTemplate'>; fetch: FetchFn; clock?: () => number },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Exchanges the callback's `code` for an expiring offline token. */
  async exchangeCode(shop: string, code: string, app: AppCredentials): Promise<ShopTokens> {
    return this.call(shop, { client_id: app.clientId, client_secret: app.clientSecret, code, expiring: '1' }, undefined);
  }

  /** Spends `refreshToken` (it rotates: the response carries the next one). */
  async refresh(shop: string, refreshToken: string, app: AppCredentials): Promise<ShopTokens> {
    return this.call(shop, { client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken }, refreshToken);
  }

  private async call(shop: string, body: Record<string, string>, previousRefresh: string | undefined): Promise<ShopTokens> {
    const url = tokenEndpoint(this.options.config, shop);
    const started = this.now();
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        redirect: 'error',
        // Never cut short by the caller's deadline: Shopify may already have used the code or rotated the
        // refresh token, and an answer given up on is a token lost. The token manager does not start a
        // refresh it could put off when the caller has less than this left.
        signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ShopifyTokenError(`Shopify token endpoint for ${shop} unreachable: ${errorMessage(error)}`, { status: 502, cause: error, details: { shop } });
    }
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) parsed = value as Record<string, unknown>;
    } catch {
      // handled below by status and missing fields
    }
    if (response.status >= 400) {
      const oauthError = typeof parsed.error === 'string' ? parsed.error : '';
      if (response.status < 500 && response.status !== 429) throw new TokenGrantRejectedError(shop, response.status, oauthError);
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new ShopifyTokenError(`Shopify token endpoint for ${shop} answered HTTP ${response.status}`, {
        status: 503,
        details: { shop, http_status: response.status },
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}),
      });
    }
    const accessToken = parsed.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new ShopifyTokenError(`Shopify token endpoint for ${shop} answered without an access_token`, { details: { shop, http_status: response.status } });
    }
    const tokens: ShopTokens = { access_token: accessToken, scope: typeof parsed.scope === 'string' ? parsed.scope : '', obtained_at: started };
    const refresh = typeof parsed.refresh_token === 'string' && parsed.refresh_token !== '' ? parsed.refresh_token : previousRefresh;
    const expiresIn = typeof parsed.expires_in === 'number' ? parsed.expires_in : Number(parsed.expires_in);
    if (Number.isFinite(expiresIn) && expiresIn > 0) tokens.expires_at = started + expiresIn * 1000;
    else if (refresh) tokens.expires_at = started + DEFAULT_ACCESS_TTL_S * 1000;
    if (refresh) {
      tokens.refresh_token = refresh;
      const refreshIn = Number(parsed.refresh_token_expires_in);
      if (Number.isFinite(refreshIn) && refreshIn > 0) tokens.refresh_token_expires_at = started + refreshIn * 1000;
    }
    return tokens;
  }
}

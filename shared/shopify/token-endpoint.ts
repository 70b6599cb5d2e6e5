/**
 * Shopify's token endpoint, `<origin>/admin/oauth/access_token`: the authorization-code exchange for an
 * expiring offline token (`expiring: 1`: a 1 h access token plus a refresh token that rotates on every
 * use) and the refresh grant, as JSON requests through the OAuth core (shared/oauth/token-request.ts:
 * lifetimes read from each response, a blank refresh token never stored, never cut short by a deadline).
 */
import { OAuthGrantRejectedError } from '../oauth/errors';
import { type FetchFn, type OAuthTokens, requestTokens, type TokenRequestErrors } from '../oauth/token-request';
import { type ShopifyConfig, tokenEndpoint } from './config';
import { ShopifyTokenError } from './errors';

export { TOKEN_REQUEST_TIMEOUT_MS } from '../oauth/token-request';
export type { FetchFn };

/** What we keep in Secrets Manager per shop (never in the connection record, never logged). */
export type ShopTokens = OAuthTokens;

export interface AppCredentials {
  clientId: string;
  clientSecret: string;
}

/** HTTP statuses with which Shopify says the shop itself is unavailable (frozen for payment, not found, locked). */
const SHOP_UNAVAILABLE = new Set([402, 404, 423]);

/**
 * The endpoint answered the token request with a 4xx (other than 429). Only `invalid_grant` means the
 * grant itself is dead; a frozen or locked shop (402/423), an edge 403/404 or an `invalid_request` says
 * nothing about the refresh token and must never cost the merchant a reinstall.
 */
export class TokenGrantRejectedError extends OAuthGrantRejectedError {
  constructor(
    readonly shop: string,
    httpStatus: number,
    oauthError: string,
  ) {
    super(
      'shopify_token_error',
      SHOP_UNAVAILABLE.has(httpStatus)
        ? `Shopify reports ${shop} unavailable (HTTP ${httpStatus}${httpStatus === 402 ? ', shop frozen' : httpStatus === 423 ? ', shop locked' : ''}); try again later`
        : `Shopify refused the token request for ${shop} (HTTP ${httpStatus}${oauthError ? `, ${oauthError}` : ''})`,
      shop,
      httpStatus,
      oauthError,
      {
        // Shop unavailable reads like the GraphQL client's 402/404/423; anything else is Shopify failing us.
        status: SHOP_UNAVAILABLE.has(httpStatus) ? 409 : 502,
        details: { shop, http_status: httpStatus, oauth_error: oauthError || null, ...(SHOP_UNAVAILABLE.has(httpStatus) ? { reason: 'shop_unavailable' } : {}) },
      },
    );
  }

  /** Shopify says the shop is frozen (402), not found (404) or locked (423): transient from our side. */
  get isShopUnavailable(): boolean {
    return SHOP_UNAVAILABLE.has(this.httpStatus);
  }
}

/** When Shopify leaves `expires_in` out of a refresh response, assume its documented 1 h. */
const DEFAULT_ACCESS_TTL_S = 3600;

const errorsFor = (shop: string): TokenRequestErrors => ({
  rejected: (httpStatus, oauthError) => new TokenGrantRejectedError(shop, httpStatus, oauthError),
  failed: (what, options) =>
    new ShopifyTokenError(`Shopify token endpoint for ${shop} ${what}`, {
      status: options.status,
      details: { shop, ...(options.httpStatus !== undefined ? { http_status: options.httpStatus } : {}) },
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
      ...(options.retryAfterS !== undefined ? { retryAfterS: options.retryAfterS } : {}),
    }),
});

export class ShopifyTokenEndpoint {
  constructor(
    private readonly options: { config: Pick<ShopifyConfig, 'apiOriginTemplate'>; fetch: FetchFn; clock?: () => number },
  ) {}

  /** Exchanges the callback's `code` for an expiring offline token. */
  async exchangeCode(shop: string, code: string, app: AppCredentials): Promise<ShopTokens> {
    return this.call(shop, { client_id: app.clientId, client_secret: app.clientSecret, code, expiring: '1' }, undefined);
  }

  /** Spends `refreshToken` (it rotates: the response carries the next one). */
  async refresh(shop: string, refreshToken: string, app: AppCredentials): Promise<ShopTokens> {
    return this.call(shop, { client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken }, refreshToken);
  }

  private async call(shop: string, fields: Record<string, string>, previousRefresh: string | undefined): Promise<ShopTokens> {
    const { tokens } = await requestTokens(
      this.options.fetch,
      { url: tokenEndpoint(this.options.config, shop), encoding: 'json', fields, defaultAccessTtlS: DEFAULT_ACCESS_TTL_S, ...(previousRefresh ? { previousRefresh } : {}) },
      errorsFor(shop),
      this.options.clock,
    );
    return tokens;
  }
}

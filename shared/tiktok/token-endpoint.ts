/**
 * TikTok's token endpoint, `POST <base_url>/v2/oauth/token/` (form-encoded, `client_key` — not
 * `client_id` — and `client_secret`), for its three grants, through the OAuth core's token request
 * (lifetimes read from each response: `expires_in`, `refresh_expires_in`; the refresh token rotates, the
 * newest one is always kept; never cut short by a caller's deadline):
 * - `authorization_code` (with the same `redirect_uri` as the authorize step) → the user's tokens and `open_id`;
 * - `refresh_token` → the next tokens;
 * - `client_credentials` → the app's client token for the Research API;
 * and `POST <base_url>/v2/oauth/revoke/` with a user access token (a workspace disconnecting an account).
 */
import { type FetchFn, type OAuthTokens, requestTokens, revokeToken, type TokenRequestErrors } from '../oauth/token-request';
import { REVOKE_PATH, TOKEN_PATH } from './api';
import type { TikTokApp } from './config';
import { TikTokGrantRejectedError, TikTokTokenError } from './errors';

/** When TikTok leaves `expires_in` out, assume the shortest lifetime its docs have named (2 h). */
const DEFAULT_ACCESS_TTL_S = 7200;

export type TikTokTokens = OAuthTokens;

export interface ClientToken {
  access_token: string;
  expires_at: number;
}

const errorsFor = (openId: string): TokenRequestErrors => ({
  rejected: (httpStatus, oauthError) => new TikTokGrantRejectedError(openId, httpStatus, oauthError),
  failed: (what, options) =>
    new TikTokTokenError(`TikTok token endpoint ${what}`, {
      status: options.status,
      details: { ...(openId ? { open_id: openId } : {}), ...(options.httpStatus !== undefined ? { http_status: options.httpStatus } : {}) },
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
      ...(options.retryAfterS !== undefined ? { retryAfterS: options.retryAfterS } : {}),
    }),
});

export class TikTokTokenEndpoint {
  constructor(private readonly options: { fetch: FetchFn; clock?: () => number }) {}

  private request(app: TikTokApp, openId: string, fields: Record<string, string>, previousRefresh?: string, timeoutMs?: number) {
    return requestTokens(
      this.options.fetch,
      {
        url: `${app.baseUrl}${TOKEN_PATH}`,
        encoding: 'form',
        fields: { client_key: app.clientKey, client_secret: app.clientSecret, ...fields },
        defaultAccessTtlS: DEFAULT_ACCESS_TTL_S,
        ...(previousRefresh ? { previousRefresh } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      },
      errorsFor(openId),
      this.options.clock,
    );
  }

  /** The callback's `code` (URL-decoded) for the user's tokens; `redirect_uri` must be the authorize step's. */
  async exchangeCode(app: TikTokApp, code: string, redirectUri: string): Promise<{ tokens: TikTokTokens; openId: string }> {
    const { tokens, body } = await this.request(app, '', { code, grant_type: 'authorization_code', redirect_uri: redirectUri });
    const openId = typeof body.open_id === 'string' ? body.open_id : '';
    if (!openId) throw new TikTokTokenError('TikTok token endpoint answered the code exchange without an open_id');
    return { tokens, openId };
  }

  /** Spends `refreshToken` (it rotates: the response carries the next one, and only it counts from now on). */
  async refresh(app: TikTokApp, openId: string, refreshToken: string): Promise<TikTokTokens> {
    return (await this.request(app, openId, { grant_type: 'refresh_token', refresh_token: refreshToken }, refreshToken)).tokens;
  }

  /** Revokes the account's authorization of the app (its access token, and with it its refresh token). */
  async revoke(app: TikTokApp, openId: string, accessToken: string, deadline: number): Promise<void> {
    await revokeToken(
      this.options.fetch,
      { url: `${app.baseUrl}${REVOKE_PATH}`, encoding: 'form', fields: { client_key: app.clientKey, client_secret: app.clientSecret, token: accessToken }, timeoutMs: deadline - Date.now() },
      errorsFor(openId),
    );
  }

  /** The app's client access token (Research API); it spends nothing, so the caller's deadline bounds it. */
  async clientToken(app: TikTokApp, deadline?: number): Promise<ClientToken> {
    const { tokens } = await this.request(app, '', { grant_type: 'client_credentials' }, undefined, deadline === undefined ? undefined : deadline - Date.now());
    return { access_token: tokens.access_token, expires_at: tokens.expires_at ?? tokens.obtained_at + DEFAULT_ACCESS_TTL_S * 1000 };
  }
}

/**
 * Connecting a TikTok account to a workspace (Login Kit v2, web: authorization code with the client
 * secret, no PKCE), on the OAuth core (shared/oauth/):
 *
 * 1. an install link signed for the workspace and the scopes it asks for (`tiktokInstallLinkQuery`, issued
 *    by the internal install-link route or `ionflux tiktok install-url`);
 * 2. `beginTikTokInstall` (public `GET /oauth/tiktok/install`): the link checked, a single-use state (10 min),
 *    then TikTok's authorize page with `client_key`, comma-separated `scope`, `response_type=code`,
 *    `redirect_uri`, `state`;
 * 3. `TikTokOAuth.completeInstall` (public `GET /oauth/tiktok/callback`): a declined consent
 *    (`error=access_denied`) is a clear answer, not a failure; otherwise the state consumed (a replayed
 *    callback finds it used), the code exchanged (form-encoded, `grant_type=authorization_code`, the same
 *    `redirect_uri`), the account refused if another workspace uses it, the tokens stored under
 *    `<root>/connections/tiktok/<workspace_id>/<open_id>`, the connection `tiktok:<open_id>` recorded with
 *    the scopes granted (never a token), the profile read (best effort), `tiktok.account.connected` published.
 */
import { normaliseAccountId } from '../connections/account-ids';
import type { ConnectionRegistry } from '../connections/connection-registry';
import { errorMessage } from '../errors';
import { OAuthRefusedError } from '../oauth/errors';
import { INSTALL_LINK_TTL_S, type InstallLinkScheme, installLinkExpiry, signInstallLinkParts, verifyInstallLinkParts } from '../oauth/install-link';
import { assertConnectable, type ConnectionTarget, connectAccount, consumeInstallState, installWorkspace } from '../oauth/install';
import type { InstallPageText } from '../oauth/pages';
import type { OAuthStateStore } from '../oauth/state-store';
import type { OAuthTokenStore, StoredTokens } from '../oauth/token-store';
import { moduleLogger } from '../observability/logger';
import type { AccountContext } from './accounts';
import type { TikTokClient } from './client';
import { SCOPE, type TikTokApp } from './config';
import { TikTokGrantRejectedError } from './errors';
import { type Publisher, publishTikTokEvents } from './events';
import type { TikTokTokenEndpoint, TikTokTokens } from './token-endpoint';
import { type TikTokTokenManager, tiktokTokenSecretName } from './tokens';
import { readUserInfo } from './user-info';

const log = moduleLogger('tiktok');

export const INSTALL_PATH = '/oauth/tiktok/install';
export const CALLBACK_PATH = '/oauth/tiktok/callback';
export const TIKTOK_PAGES: InstallPageText = { subject: 'TikTok account', app: 'TikTok' };

const SCHEME: InstallLinkScheme = { keyLabel: 'ionflux/tiktok/install-link/v1', subject: 'account' };

/** The query of an install link for `workspaceId` asking for `scopes`, valid `ttlS` seconds from `now` (epoch ms). */
export function tiktokInstallLinkQuery(clientSecret: string, workspaceId: string, scopes: readonly string[], now: number, ttlS = INSTALL_LINK_TTL_S): URLSearchParams {
  const expires = installLinkExpiry(now, ttlS);
  const scope = scopes.join(',');
  return new URLSearchParams({ workspace_id: workspaceId, scope, expires: String(expires), signature: signInstallLinkParts(SCHEME, clientSecret, [workspaceId, scope], expires) });
}

function scopesOf(raw: string | undefined): string[] {
  const scopes = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!scopes.length || scopes.some((s) => !SCOPE.test(s))) throw new OAuthRefusedError('install_link_invalid', 'this install link is not valid; ask IONFLUX for a new link', 401);
  return scopes;
}

export interface TikTokInstallDeps {
  app: () => Promise<Pick<TikTokApp, 'clientKey' | 'clientSecret' | 'authUrl'>>;
  states: Pick<OAuthStateStore, 'create'>;
  clock?: () => number;
}

/** Where to send the browser to connect an account to the link's workspace (the link must be one we signed). */
export async function beginTikTokInstall(
  deps: TikTokInstallDeps,
  input: { workspaceId: string | undefined; scope: string | undefined; expires: string | undefined; signature: string | undefined; baseUrl: string },
): Promise<{ location: string; workspaceId: string; scopes: string[] }> {
  const workspaceId = installWorkspace(input.workspaceId);
  const scopes = scopesOf(input.scope);
  const app = await deps.app();
  verifyInstallLinkParts(SCHEME, [app.clientSecret], { parts: [workspaceId, scopes.join(',')], expires: input.expires, signature: input.signature }, (deps.clock ?? Date.now)());
  const state = await deps.states.create(workspaceId, { scopes: scopes.join(',') });
  const url = new URL(app.authUrl);
  url.searchParams.set('client_key', app.clientKey);
  url.searchParams.set('scope', scopes.join(','));
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', `${input.baseUrl}${CALLBACK_PATH}`);
  url.searchParams.set('state', state);
  return { location: url.toString(), workspaceId, scopes };
}

export interface TikTokOAuthOptions {
  app: () => Promise<TikTokApp>;
  states: Pick<OAuthStateStore, 'consume'>;
  endpoint: Pick<TikTokTokenEndpoint, 'exchangeCode'>;
  tokenStore: Pick<OAuthTokenStore<TikTokTokens>, 'store'>;
  tokenManager: Pick<TikTokTokenManager, 'remember' | 'accessToken' | 'rejected'>;
  connections: Pick<ConnectionRegistry, 'get' | 'connect' | 'updateDetails'>;
  client: Pick<TikTokClient, 'call'>;
  publisher: Publisher;
  secretRoot: string;
  source: string;
  clock?: () => number;
}

export interface ConnectResult {
  status: 'connected';
  open_id: string;
  workspace_id: string;
  reconnect: boolean;
  scopes: string[];
  missing_scopes: string[];
  display_name: string | null;
  warnings: string[];
  event_id: string;
}

export interface DeclinedResult {
  status: 'declined';
  error: string;
  workspace_id: string | null;
}

/** What TikTok put in `error`, safe to show (it comes from the query). */
const safeCode = (value: string) => (/^[a-z_]{1,64}$/.test(value) ? value : 'unknown_error');

export class TikTokOAuth {
  constructor(private readonly options: TikTokOAuthOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async completeInstall(input: { query: Record<string, string>; baseUrl: string; deadline: number }): Promise<ConnectResult | DeclinedResult> {
    const { query } = input;
    if (query.error !== undefined) {
      // The user said no (or TikTok could not authorize): the state is spent either way.
      const install = query.state ? await this.options.states.consume(query.state) : undefined;
      const workspaceId = install?.ok ? install.install.workspace_id : null;
      const error = safeCode(query.error);
      if (error === 'access_denied') {
        log.info('tiktok connection declined by the user', { workspace_id: workspaceId });
        return { status: 'declined', error, workspace_id: workspaceId };
      }
      throw new OAuthRefusedError('authorization_failed', `TikTok did not authorize the connection (${error}); start the connection again from IONFLUX`, 400, { tiktok_error: error });
    }
    const install = await consumeInstallState(this.options.states, query.state);
    const workspaceId = install.workspace_id;
    if (!query.code) throw new OAuthRefusedError('invalid_callback', 'the callback has no authorization code; start the connection again from IONFLUX');

    const app = await this.options.app();
    let exchanged: { tokens: TikTokTokens; openId: string };
    try {
      exchanged = await this.options.endpoint.exchangeCode(app, query.code, `${input.baseUrl}${CALLBACK_PATH}`);
    } catch (error) {
      if (error instanceof TikTokGrantRejectedError) {
        throw new OAuthRefusedError('code_exchange_refused', `TikTok refused the authorization code (${error.oauthError || `HTTP ${error.httpStatus}`}); start the connection again`, 502);
      }
      throw error;
    }
    let openId: string;
    try {
      openId = normaliseAccountId('tiktok', exchanged.openId);
    } catch {
      throw new OAuthRefusedError('code_exchange_refused', 'TikTok answered the code exchange with an open_id we cannot use; start the connection again', 502);
    }
    const target: ConnectionTarget = { provider: 'tiktok', account: openId, workspaceId, uninstall: 'disconnect it', details: { open_id: openId } };
    // Tokens obtained for an account another workspace uses are dropped, not revoked: revoking would cut that workspace off.
    const existing = await assertConnectable(this.options.connections, target);

    const { tokens } = exchanged;
    const secretName = tiktokTokenSecretName(this.options.secretRoot, workspaceId, openId);
    const stored: StoredTokens<TikTokTokens> = await this.options.tokenStore.store(secretName, tokens, { open_id: openId, workspace_id: workspaceId });
    this.options.tokenManager.remember(secretName, stored);

    const requested = (install.binding.scopes ?? '').split(',').filter(Boolean);
    const granted = (tokens.scope || query.scopes || '').split(',').map((s) => s.trim()).filter(Boolean);
    const missing = requested.filter((s) => !granted.includes(s));
    const connectedAt = new Date(this.now()).toISOString();
    const reconnect = existing?.workspace_id === workspaceId;
    let connection = await connectAccount(this.options.connections, target, {
      access_token_secret_ref: secretName,
      scopes: granted,
      requested_scopes: requested,
      missing_scopes: missing,
      connected_at: connectedAt,
    });

    const warnings: string[] = [];
    if (missing.length) warnings.push(`scopes not granted: ${missing.join(', ')}`);
    let profile: { display_name: string | null; avatar_url: string | null; username: string | null } | null = null;
    if (granted.includes('user.info.basic')) {
      const account: AccountContext = {
        openId,
        workspaceId,
        connection,
        access: { account: openId, workspaceId, secretName },
        scopes: granted,
        tokens: {
          token: (deadline) => this.options.tokenManager.accessToken({ account: openId, workspaceId, secretName }, { deadline }),
          rejected: (token, deadline) => this.options.tokenManager.rejected({ account: openId, workspaceId, secretName }, token, { deadline }),
        },
      };
      try {
        const info = await readUserInfo(this.options.client, account, input.deadline);
        profile = { display_name: info.display_name, avatar_url: info.avatar_url, username: info.username };
        connection = await this.options.connections.updateDetails('tiktok', openId, profile);
      } catch (error) {
        warnings.push(`profile not read: ${errorMessage(error)}`);
      }
    }

    const [eventId] = await publishTikTokEvents(
      this.options.publisher,
      [
        {
          workspaceId,
          event: 'account.connected',
          idParts: [openId, 'account.connected', connectedAt],
          source: this.options.source,
          key: openId,
          payload: { open_id: openId, connected_at: connectedAt, reconnect, scopes: granted, missing_scopes: missing, profile },
        },
      ],
      input.deadline,
    );
    log.info('tiktok account connected', { open_id: openId, workspace_id: workspaceId, reconnect, warnings: warnings.length, connect_id: connection.connect_id ?? null });
    return { status: 'connected', open_id: openId, workspace_id: workspaceId, reconnect, scopes: granted, missing_scopes: missing, display_name: profile?.display_name ?? null, warnings, event_id: eventId! };
  }
}

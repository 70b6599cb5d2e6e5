/**
 * A workspace disconnects a TikTok account (`DELETE /v1/tiktok/workspaces/{id}/accounts/{open_id}`):
 *
 * 1. the connection must be this workspace's (else 404, whoever owns it);
 * 2. a usable access token is obtained first (refreshed when due: TikTok revokes by access token), while the
 *    connection is still active;
 * 3. the connection becomes `inactive` ("disconnected by the workspace") — only if it is still the connection
 *    read in 1 (a reconnection in between is left alone) — so no new call for the account starts;
 * 4. TikTok revokes the authorization (`/v2/oauth/revoke/`: the app leaves the user's connected apps and every
 *    token of it dies, a refresh racing this one included), bounded by the caller's deadline; when TikTok
 *    cannot be reached the disconnection still stands and the answer says so (`revoked_at_tiktok: false`);
 * 5. the stored tokens are erased (the secret keeps its name, emptied) and `tiktok.account.disconnected`
 *    is published.
 *
 * Disconnecting an account that is already inactive or revoked answers the same, without a second event.
 * The account may then be connected again, by this workspace or another, with a new install link.
 */
import { normaliseAccountId } from '../connections/account-ids';
import type { ConnectionRegistry } from '../connections/connection-registry';
import { errorMessage } from '../errors';
import type { OAuthTokenStore } from '../oauth/token-store';
import { moduleLogger } from '../observability/logger';
import type { SecretStore } from '../secrets/secret-store';
import type { TikTokApp } from './config';
import { TikTokAccessRevokedError, TikTokAccountNotConnectedError, TikTokConnectionChangedError } from './errors';
import { type Publisher, publishTikTokEvents } from './events';
import type { TikTokTokenEndpoint, TikTokTokens } from './token-endpoint';
import type { TikTokTokenManager } from './tokens';

const log = moduleLogger('tiktok');

export const DISCONNECTED_REASON = 'disconnected by the workspace';

export interface DisconnectDeps {
  app: () => Promise<TikTokApp>;
  connections: Pick<ConnectionRegistry, 'get' | 'setStatusIf'>;
  tokens: Pick<TikTokTokenManager, 'accessToken' | 'forget'>;
  tokenStore: Pick<OAuthTokenStore<TikTokTokens>, 'read'>;
  secrets: Pick<SecretStore, 'put'>;
  endpoint: Pick<TikTokTokenEndpoint, 'revoke'>;
  publisher: Publisher;
  source: string;
  clock?: () => number;
}

export interface DisconnectResult {
  open_id: string;
  workspace_id: string;
  status: 'disconnected';
  /** False when the account was already disconnected (or revoked) before this request. */
  changed: boolean;
  /** TikTok confirmed the authorization is revoked (false: it could not be reached, or there was no token). */
  revoked_at_tiktok: boolean;
  event_id: string | null;
  warnings: string[];
}

export async function disconnectAccount(deps: DisconnectDeps, workspaceId: string, rawOpenId: string | undefined, deadline: number): Promise<DisconnectResult> {
  const openId = normaliseAccountId('tiktok', rawOpenId ?? '');
  const connection = await deps.connections.get('tiktok', openId);
  if (!connection || connection.workspace_id !== workspaceId) throw new TikTokAccountNotConnectedError(openId, workspaceId);
  const secretName = typeof connection.details.access_token_secret_ref === 'string' ? connection.details.access_token_secret_ref : undefined;
  const result: DisconnectResult = { open_id: openId, workspace_id: workspaceId, status: 'disconnected', changed: false, revoked_at_tiktok: false, event_id: null, warnings: [] };

  const erase = async () => {
    if (!secretName) return;
    deps.tokens.forget(secretName);
    if (await deps.tokenStore.read(secretName)) await deps.secrets.put(secretName, '{}');
  };
  if (connection.status !== 'active') {
    await erase();
    return result;
  }

  // TikTok revokes by access token: get one that works now, before the connection stops being active.
  let accessToken: string | undefined;
  if (secretName) {
    try {
      accessToken = await deps.tokens.accessToken({ account: openId, workspaceId, secretName }, { deadline });
    } catch (error) {
      // Revoked meanwhile (nothing left to revoke at TikTok), or no valid token right now.
      if (!(error instanceof TikTokAccessRevokedError)) result.warnings.push(`no valid access token to revoke at TikTok: ${errorMessage(error)}`);
    }
  }

  const changed = await deps.connections.setStatusIf('tiktok', openId, 'inactive', DISCONNECTED_REASON, {
    workspaceId,
    connectId: connection.connect_id ?? null,
    status: 'active',
  });
  if (!changed) {
    // Revoked, disconnected or connected again since we read it: look again.
    const now = await deps.connections.get('tiktok', openId);
    if (now && now.workspace_id === workspaceId && now.status === 'active') throw new TikTokConnectionChangedError(openId, workspaceId);
    if (!now || now.workspace_id !== workspaceId) throw new TikTokAccountNotConnectedError(openId, workspaceId);
    await erase();
    return result;
  }
  result.changed = true;

  if (accessToken) {
    try {
      await deps.endpoint.revoke(await deps.app(), openId, accessToken, deadline);
      result.revoked_at_tiktok = true;
    } catch (error) {
      result.warnings.push(`TikTok did not confirm the revocation (${errorMessage(error)}); the user can remove the app in TikTok's settings`);
    }
  }
  await erase();
  const disconnectedAt = new Date((deps.clock ?? Date.now)()).toISOString();
  const [eventId] = await publishTikTokEvents(
    deps.publisher,
    [
      {
        workspaceId,
        event: 'account.disconnected',
        idParts: [openId, 'account.disconnected', disconnectedAt],
        source: deps.source,
        key: openId,
        payload: { open_id: openId, disconnected_at: disconnectedAt, revoked_at_tiktok: result.revoked_at_tiktok },
      },
    ],
    deadline,
  );
  result.event_id = eventId!;
  log.info('tiktok account disconnected', { open_id: openId, workspace_id: workspaceId, revoked_at_tiktok: result.revoked_at_tiktok, warnings: result.warnings.length });
  return result;
}

/**
 * From "workspace W, TikTok account O" to what a call for that account needs: the connection must exist,
 * belong to W (else 404, whoever owns it), be active (else 409 `account_revoked`: reconnect) and hold a
 * token reference; the scopes it granted are checked before TikTok is called (403 `missing_scope`).
 * Also the accounts a workspace has connected (`listAccounts`: what agents pick an open_id from).
 */
import { normaliseAccountId } from '../connections/account-ids';
import type { Connection, ConnectionRegistry } from '../connections/connection-registry';
import type { TokenAccess } from '../oauth/token-manager';
import type { TokenSource } from './client';
import { MissingScopeError, TikTokAccessRevokedError, TikTokAccountNotConnectedError } from './errors';
import type { TikTokTokenManager } from './tokens';

export interface AccountContext {
  openId: string;
  workspaceId: string;
  connection: Connection;
  access: TokenAccess;
  /** Scopes the account granted. */
  scopes: string[];
  tokens: TokenSource;
}

export const grantedScopes = (connection: Connection): string[] =>
  Array.isArray(connection.details.scopes) ? connection.details.scopes.filter((s): s is string => typeof s === 'string') : [];

export interface AccountSummary {
  open_id: string;
  status: Connection['status'];
  status_reason: string | null;
  display_name: string | null;
  username: string | null;
  avatar_url: string | null;
  scopes: string[];
  missing_scopes: string[];
  connected_at: string | null;
  updated_at: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The TikTok accounts connected to a workspace (active first, then by name), never a token or a secret name. */
export async function listAccounts(connections: Pick<ConnectionRegistry, 'list'>, workspaceId: string): Promise<AccountSummary[]> {
  const rank = { active: 0, inactive: 1, revoked: 2 } as const;
  return (await connections.list({ provider: 'tiktok', workspaceId }))
    .map((c) => ({
      open_id: c.account_id,
      status: c.status,
      status_reason: c.status_reason ?? null,
      display_name: text(c.details.display_name),
      username: text(c.details.username),
      avatar_url: text(c.details.avatar_url),
      scopes: grantedScopes(c),
      missing_scopes: Array.isArray(c.details.missing_scopes) ? c.details.missing_scopes.filter((s): s is string => typeof s === 'string') : [],
      connected_at: c.connected_at ?? null,
      updated_at: c.updated_at,
    }))
    .sort((a, b) => rank[a.status] - rank[b.status] || (a.display_name ?? a.open_id).localeCompare(b.display_name ?? b.open_id));
}

export class TikTokAccounts {
  constructor(
    private readonly options: {
      connections: Pick<ConnectionRegistry, 'get'>;
      tokens: Pick<TikTokTokenManager, 'accessToken' | 'rejected'>;
    },
  ) {}

  async forWorkspace(workspaceId: string, rawOpenId: string | undefined): Promise<AccountContext> {
    const openId = normaliseAccountId('tiktok', rawOpenId ?? '');
    const connection = await this.options.connections.get('tiktok', openId);
    // Another workspace's account reads exactly like an unknown one.
    if (!connection || connection.workspace_id !== workspaceId) throw new TikTokAccountNotConnectedError(openId, workspaceId);
    if (connection.status !== 'active') {
      throw new TikTokAccessRevokedError(openId, workspaceId, connection.status_reason ?? `connection ${connection.status}`, connection.status === 'revoked' ? 'revoked' : 'inactive');
    }
    const secretName = connection.details.access_token_secret_ref;
    if (typeof secretName !== 'string' || !secretName) {
      throw new TikTokAccountNotConnectedError(openId, workspaceId, `TikTok account ${openId} was registered without connecting it (no tokens); connect it with an install link`);
    }
    const access: TokenAccess = { account: openId, workspaceId, secretName };
    const { tokens } = this.options;
    return {
      openId,
      workspaceId,
      connection,
      access,
      scopes: grantedScopes(connection),
      tokens: { token: (deadline) => tokens.accessToken(access, { deadline }), rejected: (token, deadline) => tokens.rejected(access, token, { deadline }) },
    };
  }

  /** 403 `missing_scope` naming `scope` when the account did not grant it. */
  static requireScope(account: AccountContext, scope: string): void {
    if (!account.scopes.includes(scope)) throw new MissingScopeError(scope, { openId: account.openId, granted: account.scopes });
  }
}

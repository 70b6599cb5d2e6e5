/**
 * The steps every OAuth install shares, whatever the provider: the workspace of a signed link, the
 * single-use state of a callback (a replay finds it used), the refusal when the account is connected to
 * another workspace (never naming that workspace: these pages are public), and recording the connection.
 */
import type { ConnectionProvider } from '../connections/account-ids';
import type { Connection, ConnectionRegistry } from '../connections/connection-registry';
import { AccountOwnedElsewhereError } from '../connections/errors';
import { assertWorkspaceId } from '../workspaces/workspace-id';
import { OAuthRefusedError } from './errors';
import type { OAuthStateStore, PendingInstall } from './state-store';

/** The workspace an install link names, or a refusal a browser can show. */
export function installWorkspace(raw: string | undefined): string {
  try {
    return assertWorkspaceId(raw);
  } catch {
    throw new OAuthRefusedError('invalid_workspace_id', 'workspace_id is missing or invalid (1–64 letters, digits, "_" or "-")');
  }
}

/** Consumes the callback's state: the install it was created for, or why the callback is refused. */
export async function consumeInstallState(states: Pick<OAuthStateStore, 'consume'>, state: string | undefined): Promise<PendingInstall> {
  if (!state) throw new OAuthRefusedError('invalid_state', 'the callback has no state; start the install from IONFLUX');
  const consumed = await states.consume(state);
  if (consumed.ok) return consumed.install;
  throw consumed.reason === 'already_used'
    ? new OAuthRefusedError('state_already_used', 'this install link was already used (a callback cannot be replayed); start the install again', 409)
    : new OAuthRefusedError('invalid_state', 'unknown or expired install state (links are valid for 10 minutes); start the install again');
}

const connectedElsewhere = (account: string, uninstall: string, details: Record<string, unknown>) =>
  new OAuthRefusedError('account_connected_elsewhere', `${account} is already connected to another IONFLUX workspace; ${uninstall} there first`, 409, details);

export interface ConnectionTarget {
  provider: ConnectionProvider;
  account: string;
  workspaceId: string;
  /** How to free the account in its current workspace ("uninstall it", "disconnect it"). */
  uninstall: string;
  /** What the refusal shows about the account (public: never the owner). */
  details: Record<string, unknown>;
}

/** Refuses an account another workspace has connected and still uses. Returns the existing connection, if any. */
export async function assertConnectable(connections: Pick<ConnectionRegistry, 'get'>, target: ConnectionTarget): Promise<Connection | undefined> {
  const existing = await connections.get(target.provider, target.account);
  if (existing && existing.workspace_id !== target.workspaceId && existing.status === 'active') throw connectedElsewhere(target.account, target.uninstall, target.details);
  return existing;
}

/** Records the connection; another workspace that connected the account meanwhile gets the same refusal. */
export async function connectAccount(connections: Pick<ConnectionRegistry, 'connect'>, target: ConnectionTarget, details: Record<string, unknown>): Promise<Connection> {
  try {
    return await connections.connect(target.provider, target.account, target.workspaceId, details);
  } catch (error) {
    // The same answer as the check before the token exchange, never the other workspace's id (these pages are public).
    if (error instanceof AccountOwnedElsewhereError) throw connectedElsewhere(target.account, target.uninstall, target.details);
    throw error;
  }
}

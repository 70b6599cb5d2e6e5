/**
 * The connections registry: which workspace owns which external account (a Shopify shop, a TikTok
 * open_id, a WhatsApp phone_number_id), with its status. Webhooks are routed by it; an account is owned
 * by one workspace at a time.
 */
import { randomUUID } from 'node:crypto';
import { ConditionFailedError } from '../storage/errors';
import { type Table, type TableItem, when } from '../storage/table';
import { assertWorkspaceId } from '../workspaces/workspace-id';
import { type ConnectionProvider, normaliseAccountId } from './account-ids';
import { AccountOwnedElsewhereError, ConnectionNotFoundError } from './errors';

export type ConnectionStatus = 'active' | 'inactive' | 'revoked';

export interface Connection {
  provider: ConnectionProvider;
  account_id: string;
  workspace_id: string;
  status: ConnectionStatus;
  /** Why the status last changed (e.g. "app/uninstalled webhook"). */
  status_reason?: string;
  /** Provider-specific, non-secret details (scopes, the secret *reference* of stored tokens…). */
  details: Record<string, unknown>;
  /**
   * New on every `connect()` (an install, a reinstall, a reconnect): tells "the connection I looked at" from
   * "the same account connected again since". Absent on records written before it existed.
   */
  connect_id?: string;
  /** When the account was last connected (install, reinstall, reconnect). */
  connected_at?: string;
  created_at: string;
  updated_at: string;
}

/** What `setStatusIf` requires of the stored connection before it changes anything. */
export interface ConnectionExpectation {
  workspaceId: string;
  /** The `connect_id` the caller saw (null: a record from before `connect_id` existed). */
  connectId: string | null;
  /** The status the caller saw, when it matters. */
  status?: ConnectionStatus;
}

const key = (provider: ConnectionProvider, accountId: string) => ({ pk: `${provider}#${accountId}` });

export class ConnectionRegistry {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /**
   * Connects (or re-activates) an account for a workspace. Refused when another workspace owns it,
   * unless that connection is no longer active (a shop that uninstalled may be installed elsewhere).
   */
  async connect(provider: ConnectionProvider, accountId: string, workspaceId: string, details: Record<string, unknown> = {}): Promise<Connection> {
    const id = normaliseAccountId(provider, accountId);
    assertWorkspaceId(workspaceId);
    const existing = await this.get(provider, id);
    const connection: Connection = {
      provider,
      account_id: id,
      workspace_id: workspaceId,
      status: 'active',
      details: { ...(existing?.workspace_id === workspaceId ? existing.details : {}), ...details },
      connect_id: randomUUID(),
      connected_at: this.now(),
      created_at: existing?.workspace_id === workspaceId ? existing.created_at : this.now(),
      updated_at: this.now(),
    };
    try {
      // Owner, status and connect id are stored flat as well, for the write conditions.
      await this.table.put(
        { ...key(provider, id), workspace_id: workspaceId, status: 'active', connect_id: connection.connect_id, connection },
        { condition: when.or(when.absent(), when.equals('workspace_id', workspaceId), when.equals('status', 'inactive'), when.equals('status', 'revoked')) },
      );
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        const owner = await this.get(provider, id);
        throw new AccountOwnedElsewhereError(provider, id, owner?.workspace_id ?? 'another workspace');
      }
      throw error;
    }
    return connection;
  }

  async get(provider: ConnectionProvider, accountId: string): Promise<Connection | undefined> {
    const item = await this.table.get(key(provider, normaliseAccountId(provider, accountId)));
    return item ? (item.connection as Connection) : undefined;
  }

  async setStatus(provider: ConnectionProvider, accountId: string, status: ConnectionStatus, reason: string): Promise<Connection> {
    const id = normaliseAccountId(provider, accountId);
    const existing = await this.get(provider, id);
    if (!existing) throw new ConnectionNotFoundError(provider, id);
    const connection: Connection = { ...existing, status, status_reason: reason, updated_at: this.now() };
    await this.table.update(key(provider, id), { set: { connection, status } }, { condition: when.equals('workspace_id', existing.workspace_id) });
    return connection;
  }

  /**
   * `setStatus`, but only while the connection is still the one the caller saw: same workspace, same
   * `connect_id` (a reinstall in between changes it) and, when given, same status. The check is part of the
   * write, so a late decision about an old install can never flip a fresh one. Answers undefined, changing
   * nothing, when the connection is no longer what the caller expected (or is gone).
   */
  async setStatusIf(provider: ConnectionProvider, accountId: string, status: ConnectionStatus, reason: string, expected: ConnectionExpectation): Promise<Connection | undefined> {
    const id = normaliseAccountId(provider, accountId);
    const existing = await this.get(provider, id);
    if (!existing) return undefined;
    if (existing.workspace_id !== expected.workspaceId || (existing.connect_id ?? null) !== expected.connectId || (expected.status !== undefined && existing.status !== expected.status)) {
      return undefined;
    }
    const connection: Connection = { ...existing, status, status_reason: reason, updated_at: this.now() };
    const conditions = [
      when.equals('workspace_id', expected.workspaceId),
      expected.connectId === null ? when.attrAbsent('connect_id') : when.equals('connect_id', expected.connectId),
      ...(expected.status !== undefined ? [when.equals('status', expected.status)] : []),
    ];
    try {
      await this.table.update(key(provider, id), { set: { connection, status } }, { condition: when.and(...conditions) });
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
    return connection;
  }

  async updateDetails(provider: ConnectionProvider, accountId: string, details: Record<string, unknown>): Promise<Connection> {
    const id = normaliseAccountId(provider, accountId);
    const existing = await this.get(provider, id);
    if (!existing) throw new ConnectionNotFoundError(provider, id);
    const connection: Connection = { ...existing, details: { ...existing.details, ...details }, updated_at: this.now() };
    await this.table.update(key(provider, id), { set: { connection } }, { condition: when.equals('workspace_id', existing.workspace_id) });
    return connection;
  }

  async list(filter: { provider?: ConnectionProvider; workspaceId?: string } = {}): Promise<Connection[]> {
    return (await this.table.scan())
      .map((item: TableItem) => item.connection as Connection)
      .filter((c) => (!filter.provider || c.provider === filter.provider) && (!filter.workspaceId || c.workspace_id === filter.workspaceId))
      .sort((a, b) => a.provider.localeCompare(b.provider) || a.account_id.localeCompare(b.account_id));
  }
}

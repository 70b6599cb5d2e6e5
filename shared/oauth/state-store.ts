/**
 * Single-use OAuth `state` values, bound to the workspace that started the install and to what the install
 * was started for (Shopify: the shop; TikTok: the scopes asked for). Stored by hash with a short TTL;
 * consuming one is a conditional write, so two callbacks carrying the same state (a replay, a double
 * submit) cannot both pass. Each provider has its own table (`shopify-oauth-states`, `tiktok-oauth-states`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';

export const OAUTH_STATE_TTL_SECONDS = 600;

export interface PendingInstall {
  workspace_id: string;
  created_at: string;
  /** What the install was bound to when it started (e.g. `{ shop }`), as strings. */
  binding: Record<string, string>;
}

export type ConsumeResult = { ok: true; install: PendingInstall } | { ok: false; reason: 'unknown_or_expired' | 'already_used' };

/** Attributes of a state item that are not part of its binding. */
const RESERVED = new Set(['pk', 'sk', 'status', 'workspace_id', 'created_at', 'expires_at', 'used_at']);

const keyOf = (state: string) => ({ pk: `state#${createHash('sha256').update(state).digest('hex')}` });

export class OAuthStateStore {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new random state for an install into `workspaceId`, bound to `binding` (stored as top-level attributes). */
  async create(workspaceId: string, binding: Record<string, string> = {}, ttlSeconds = OAUTH_STATE_TTL_SECONDS): Promise<string> {
    for (const name of Object.keys(binding)) if (RESERVED.has(name)) throw new Error(`"${name}" cannot be bound to an OAuth state`);
    const state = randomBytes(32).toString('base64url');
    const now = this.clock();
    await this.table.put(
      { ...keyOf(state), ...binding, status: 'pending', workspace_id: workspaceId, created_at: new Date(now).toISOString(), expires_at: nowSeconds(now) + ttlSeconds },
      { condition: when.absent() },
    );
    return state;
  }

  /** Marks the state used; only the first caller gets the install it was created for. */
  async consume(state: string): Promise<ConsumeResult> {
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(state)) return { ok: false, reason: 'unknown_or_expired' };
    const key = keyOf(state);
    try {
      const item = await this.table.update(key, { set: { status: 'used', used_at: new Date(this.clock()).toISOString() } }, { condition: when.equals('status', 'pending') });
      const binding = Object.fromEntries(Object.entries(item).filter(([name, value]) => !RESERVED.has(name) && typeof value === 'string')) as Record<string, string>;
      return { ok: true, install: { workspace_id: String(item.workspace_id), created_at: String(item.created_at), binding } };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const existing = await this.table.get(key);
      return { ok: false, reason: existing?.status === 'used' ? 'already_used' : 'unknown_or_expired' };
    }
  }
}

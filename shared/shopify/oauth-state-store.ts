/**
 * Single-use OAuth `state` values, bound to the workspace and shop that started the install. Stored by
 * hash with a short TTL; consuming one is a conditional write, so two callbacks carrying the same state
 * (a replay, a double submit) cannot both pass.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';

export const OAUTH_STATE_TTL_SECONDS = 600;

export interface PendingInstall {
  workspace_id: string;
  shop: string;
  created_at: string;
}

export type ConsumeResult = { ok: true; install: PendingInstall } | { ok: false; reason: 'unknown_or_expired' | 'already_used' };

const keyOf = (state: string) => ({ pk: `state#${createHash('sha256').update(state).digest('hex')}` });

export class OAuthStateStore {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new random state for an install of `shop` into `workspaceId`. */
  async create(workspaceId: string, shop: string, ttlSeconds = OAUTH_STATE_TTL_SECONDS): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    const now = this.clock();
    await this.table.put(
      { ...keyOf(state), status: 'pending', workspace_id: workspaceId, shop, created_at: new Date(now).toISOString(), expires_at: nowSeconds(now) + ttlSeconds },
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
      return { ok: true, install: { workspace_id: String(item.workspace_id), shop: String(item.shop), created_at: String(item.created_at) } };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const existing = await this.table.get(key);
      return { ok: false, reason: existing?.status === 'used' ? 'already_used' : 'unknown_or_expired' };
    }
  }
}

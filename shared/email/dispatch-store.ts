/**
 * Records in `email-dispatches` that make sends safe to repeat:
 * - idempotency keys (pk `idem#<endpoint>#<workspace>#<sha256(key)>`): the first request claims the key
 *   with a lease and a fingerprint of its body, the answer is stored when it is done, and the same key
 *   with the same body gets that answer again (kept 7 days); the same key with another body is refused.
 * - provider confirmations (pk `dispatch#<dispatch_id>`, sk `confirmed`): written when a provider event
 *   about a dispatch arrives (e.g. SES Send, SendGrid processed). They settle a send that is in doubt — the
 *   invocation died between the provider's acceptance and our record of it — without sending it again.
 */
import { createHash } from 'node:crypto';
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, type TableItem, when } from '../storage/table';
import { IdempotencyKeyReusedError, RequestInProgressError } from './errors';

export const IDEMPOTENCY_TTL_S = 7 * 86_400;
const CONFIRMATION_TTL_S = 30 * 86_400;

export type IdempotencyEndpoint = 'send' | 'bulk';

/** A stable fingerprint of a request body (key order does not matter). */
export function fingerprint(body: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

export type IdempotencyClaim =
  /** Ours to process; `resumed` when a previous attempt's lease expired (its work may be half done). */
  | { kind: 'claimed'; id: string; resumed?: { claimedAt: number } }
  | { kind: 'done'; id: string; response: unknown }
  | { kind: 'in_progress'; retryAfterMs: number }
  | { kind: 'mismatch' };

export class IdempotencyStore {
  constructor(
    private readonly table: Table,
    private readonly options: { leaseMs: number; clock?: () => number },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private key(endpoint: IdempotencyEndpoint, workspaceId: string, idempotencyKey: string) {
    return { pk: `idem#${endpoint}#${workspaceId}#${createHash('sha256').update(idempotencyKey).digest('hex')}`, sk: 'meta' };
  }

  /** Claims the key for a new id (`newId`), or says what it already stands for. */
  async claim(endpoint: IdempotencyEndpoint, workspaceId: string, idempotencyKey: string, print: string, newId: string): Promise<IdempotencyClaim> {
    const key = this.key(endpoint, workspaceId, idempotencyKey);
    const now = this.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.table.put(
          { ...key, state: 'in_progress', id: newId, fingerprint: print, claimed_at: now, lease_until: now + this.options.leaseMs, expires_at: nowSeconds(now) + IDEMPOTENCY_TTL_S },
          { condition: when.absent() },
        );
        return { kind: 'claimed', id: newId };
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
      const existing = await this.table.get(key);
      if (!existing) continue;
      if (existing.fingerprint !== print) return { kind: 'mismatch' };
      if (existing.state === 'done') return { kind: 'done', id: existing.id as string, response: existing.response };
      const leaseUntil = Number(existing.lease_until);
      if (leaseUntil > now) return { kind: 'in_progress', retryAfterMs: leaseUntil - now };
      // The previous attempt died holding the key: take it over, with the same id.
      try {
        await this.table.update(key, { set: { lease_until: now + this.options.leaseMs } }, { condition: when.and(when.equals('state', 'in_progress'), when.equals('lease_until', leaseUntil)) });
        return { kind: 'claimed', id: existing.id as string, resumed: { claimedAt: Number(existing.claimed_at) } };
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    return { kind: 'in_progress', retryAfterMs: 1000 };
  }

  /**
   * What a request with an idempotency key does: the first answer again (`done`), or go on as `claimed`
   * (with the id the key stands for). A different body with the key is refused (409), and so is a second
   * request while the first is still running (409 with Retry-After).
   */
  async begin(endpoint: IdempotencyEndpoint, workspaceId: string, idempotencyKey: string, body: unknown, newId: string): Promise<Extract<IdempotencyClaim, { kind: 'claimed' | 'done' }>> {
    const claim = await this.claim(endpoint, workspaceId, idempotencyKey, fingerprint(body), newId);
    if (claim.kind === 'mismatch') throw new IdempotencyKeyReusedError();
    if (claim.kind === 'in_progress') throw new RequestInProgressError(Math.max(1, Math.ceil(claim.retryAfterMs / 1000)));
    return claim;
  }

  /** Keeps the answer: the same key with the same body gets it from now on. */
  async complete(endpoint: IdempotencyEndpoint, workspaceId: string, idempotencyKey: string, response: unknown): Promise<void> {
    await this.table.update(this.key(endpoint, workspaceId, idempotencyKey), { set: { state: 'done', response, completed_at: new Date(this.now()).toISOString() } });
  }

  /** Gives the key up (nothing was sent): a retry starts afresh. */
  async release(endpoint: IdempotencyEndpoint, workspaceId: string, idempotencyKey: string): Promise<void> {
    try {
      await this.table.delete(this.key(endpoint, workspaceId, idempotencyKey), { condition: when.equals('state', 'in_progress') });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

export interface Confirmation {
  provider: string;
  provider_message_id: string | null;
  status: string;
}

export class ConfirmationStore {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Records that a provider reported on this dispatch (the first report is kept). */
  async confirm(dispatchId: string, confirmation: Confirmation): Promise<void> {
    const item: TableItem = { pk: `dispatch#${dispatchId}`, sk: 'confirmed', ...confirmation, confirmed_at: new Date(this.clock()).toISOString(), expires_at: nowSeconds(this.clock()) + CONFIRMATION_TTL_S };
    try {
      await this.table.put(item, { condition: when.absent() });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  async get(dispatchId: string): Promise<Confirmation | undefined> {
    const item = await this.table.get({ pk: `dispatch#${dispatchId}`, sk: 'confirmed' });
    return item ? { provider: item.provider as string, provider_message_id: (item.provider_message_id as string | null) ?? null, status: item.status as string } : undefined;
  }
}

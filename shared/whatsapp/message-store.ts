/**
 * What the service remembers about messages:
 * - each message sent (`msg#<wamid>`): who sent it to whom, its template and category, the caller's
 *   client_reference, and the furthest status Meta reported — statuses only move forward (sent →
 *   delivered → read; failed is final), so a late `delivered` after `read` never regresses it;
 * - customer service windows (`win#<phone_number_id>#<wa_id>`): when the user last wrote to the number
 *   (a window is open for 24 hours after that);
 * - send idempotency (`ref#…`): a client_reference already accepted answers with its message again.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';
import { DedupStore } from '../webhooks/dedup-store';

/** How long a message's record (and its status) is kept. */
const MESSAGE_TTL_S = 30 * 86_400;
export const WINDOW_MS = 24 * 3600 * 1000;

/** Order of statuses: a status only replaces one of lower rank. Unknown statuses are not stored. */
export const STATUS_RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

export interface SentMessage {
  workspace_id: string;
  phone_number_id: string;
  wa_id: string;
  type: string;
  template_name?: string;
  template_category?: string;
  client_reference?: string;
  accepted_at: string;
}

export class MessageStore {
  private readonly refs: DedupStore;

  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {
    this.refs = new DedupStore(table, { clock });
  }

  async recordSent(wamid: string, message: SentMessage): Promise<void> {
    // An update, not a put: a status webhook may have arrived first, and its status stays.
    await this.table.update({ pk: `msg#${wamid}` }, { set: { ...message, expires_at: nowSeconds(this.clock()) + MESSAGE_TTL_S } });
  }

  async message(wamid: string): Promise<(SentMessage & { status?: string; status_at?: string }) | undefined> {
    const item = await this.table.get({ pk: `msg#${wamid}` });
    return item as (SentMessage & { status?: string; status_at?: string }) | undefined;
  }

  /**
   * Moves the message's status forward to `status` if it is further than the recorded one; answers the
   * status the message is at afterwards (the recorded one when this one is late).
   */
  async advanceStatus(wamid: string, status: string, at: number, owner: { workspace_id: string; phone_number_id: string }): Promise<{ current: string; advanced: boolean }> {
    const rank = STATUS_RANK[status];
    if (rank === undefined) return { current: status, advanced: false };
    const key = { pk: `msg#${wamid}` };
    try {
      await this.table.update(
        key,
        { set: { status, status_rank: rank, status_at: new Date(at).toISOString(), workspace_id: owner.workspace_id, phone_number_id: owner.phone_number_id, expires_at: nowSeconds(this.clock()) + MESSAGE_TTL_S } },
        { condition: when.or(when.attrAbsent('status_rank'), when.lessThan('status_rank', rank)) },
      );
      return { current: status, advanced: true };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const item = await this.table.get(key);
      return { current: String(item?.status ?? status), advanced: false };
    }
  }

  /** The user wrote to the number at `at` (epoch ms): the window is open until `at` + 24 h. */
  async openWindow(phoneNumberId: string, waId: string, at: number): Promise<void> {
    try {
      await this.table.update(
        { pk: `win#${phoneNumberId}#${waId}` },
        // Kept a week past the window: a refusal can say when the user last wrote.
        { set: { last_inbound_at: at, expires_at: nowSeconds(at + WINDOW_MS) + 7 * 86_400 } },
        { condition: when.or(when.attrAbsent('last_inbound_at'), when.lessThan('last_inbound_at', at)) },
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error; // a later message already opened it further
    }
  }

  /** When the user last wrote to the number (epoch ms), if within the last 8 days. */
  async lastInbound(phoneNumberId: string, waId: string): Promise<number | undefined> {
    const item = await this.table.get({ pk: `win#${phoneNumberId}#${waId}` });
    return typeof item?.last_inbound_at === 'number' ? item.last_inbound_at : undefined;
  }

  /**
   * Claims a client_reference for one send. `done`: it was accepted before (its message id); `busy`:
   * another request is sending it now.
   */
  async claimReference(key: string): Promise<{ state: 'claimed' } | { state: 'done'; wamid: string } | { state: 'busy' }> {
    const pk = `ref#${key}`;
    const claim = await this.refs.claim(pk, MESSAGE_TTL_S);
    if (claim === 'claimed') return { state: 'claimed' };
    if (claim === 'in_progress') return { state: 'busy' };
    const item = await this.table.get({ pk });
    return { state: 'done', wamid: String(item?.wamid) };
  }

  completeReference(key: string, wamid: string): Promise<void> {
    return this.refs.complete(`ref#${key}`, MESSAGE_TTL_S, { wamid });
  }

  releaseReference(key: string): Promise<void> {
    return this.refs.release(`ref#${key}`);
  }
}

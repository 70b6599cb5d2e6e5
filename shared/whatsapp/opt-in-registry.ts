/**
 * The consent registry: per workspace (the business) and user (wa_id), whether they opted in to WhatsApp
 * messages or out, how (source, the text shown, the number it was given to) and when, with the history
 * of every change. Meta's rule: message only users who opted in, and honour opt-outs (there is no Meta API
 * for them). A change applies only if it is at least as recent as the one recorded, so a late webhook
 * (a STOP delivered after a newer opt-in) never undoes a newer decision. Marketing opt-outs (a user who
 * stopped marketing messages from one number in WhatsApp, error 131050) are kept per number beside it.
 */
import { randomUUID } from 'node:crypto';
import { ConditionFailedError } from '../storage/errors';
import { type Table, when } from '../storage/table';

export type ConsentStatus = 'opted_in' | 'opted_out';

export interface ConsentRecord {
  workspace_id: string;
  wa_id: string;
  /** `none`: no opt-in or opt-out recorded through us (only marketing opt-outs Meta reported). */
  status: ConsentStatus | 'none';
  /** The number the last change was made through. */
  phone_number_id: string | null;
  source: string;
  text_shown: string | null;
  reason: string | null;
  opted_in_at: string | null;
  opted_out_at: string | null;
  /** When the last change happened (the user's message time for STOP/START). */
  changed_at: string;
  /** Numbers the user stopped marketing messages from (phone_number_id → when). */
  marketing_opt_outs: Record<string, string>;
}

export interface ConsentChange {
  status: ConsentStatus;
  phoneNumberId?: string;
  source: string;
  textShown?: string;
  reason?: string;
  /** When it happened (epoch ms). */
  at: number;
}

const pk = (workspaceId: string, waId: string) => `${workspaceId}#${waId}`;
const CURRENT = 'current';

export class OptInRegistry {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(workspaceId: string, waId: string): Promise<ConsentRecord | undefined> {
    const [current, marketing] = await Promise.all([
      this.table.get({ pk: pk(workspaceId, waId), sk: CURRENT }),
      this.table.query(pk(workspaceId, waId), { skBeginsWith: 'marketing#' }),
    ]);
    if (!current && !marketing.length) return undefined;
    const outs = Object.fromEntries(marketing.map((m) => [String(m.phone_number_id), String(m.at)]));
    if (!current) {
      // Only marketing opt-outs are known (Meta told us): the user never opted in through us.
      return { workspace_id: workspaceId, wa_id: waId, status: 'none', phone_number_id: null, source: 'none', text_shown: null, reason: null, opted_in_at: null, opted_out_at: null, changed_at: '', marketing_opt_outs: outs };
    }
    return { ...(current.record as ConsentRecord), marketing_opt_outs: outs };
  }

  /**
   * Records a change unless a more recent one is already recorded; answers the record as it stands and
   * whether this change was applied.
   */
  async record(workspaceId: string, waId: string, change: ConsentChange): Promise<{ record: ConsentRecord; applied: boolean }> {
    const key = { pk: pk(workspaceId, waId), sk: CURRENT };
    const existing = await this.get(workspaceId, waId);
    const previous = existing?.changed_at ? existing : undefined;
    const at = new Date(change.at).toISOString();
    const record: ConsentRecord = {
      workspace_id: workspaceId,
      wa_id: waId,
      status: change.status,
      phone_number_id: change.phoneNumberId ?? previous?.phone_number_id ?? null,
      source: change.source,
      text_shown: change.status === 'opted_in' ? (change.textShown ?? null) : (previous?.text_shown ?? null),
      reason: change.reason ?? null,
      opted_in_at: change.status === 'opted_in' ? at : (previous?.opted_in_at ?? null),
      opted_out_at: change.status === 'opted_out' ? at : (previous?.opted_out_at ?? null),
      changed_at: at,
      marketing_opt_outs: {},
    };
    try {
      await this.table.transactWrite([
        // A change as recent as the recorded one wins (two changes in the same instant: the later arrival).
        { put: { ...key, record, changed_ms: change.at }, condition: when.or(when.absent(), when.lessThan('changed_ms', change.at + 1)) },
        { put: { pk: key.pk, sk: `h#${at}#${randomUUID()}`, record, recorded_at: new Date(this.clock()).toISOString() } },
      ]);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const current = await this.get(workspaceId, waId);
      return { record: current!, applied: false };
    }
    return { record: { ...record, marketing_opt_outs: existing?.marketing_opt_outs ?? {} }, applied: true };
  }

  /** Meta said the user stopped marketing messages from this number (131050). */
  async optOutOfMarketing(workspaceId: string, waId: string, phoneNumberId: string, at: number): Promise<void> {
    await this.table.put({ pk: pk(workspaceId, waId), sk: `marketing#${phoneNumberId}`, phone_number_id: phoneNumberId, at: new Date(at).toISOString() });
  }

  /** Every change recorded, oldest first. */
  async history(workspaceId: string, waId: string): Promise<Array<ConsentRecord & { recorded_at: string }>> {
    const items = await this.table.query(pk(workspaceId, waId), { skBeginsWith: 'h#' });
    return items.map((i) => ({ ...(i.record as ConsentRecord), recorded_at: String(i.recorded_at) }));
  }
}

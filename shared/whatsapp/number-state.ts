/**
 * Whether a phone number may send: Meta's spam rate limit (131048, the number's quality) pauses it for a
 * while; sends from a paused number are refused before they reach Meta. An operator may resume it early.
 */
import { nowSeconds, type Table } from '../storage/table';

export interface NumberPause {
  paused_until: number;
  reason: string;
  paused_at: string;
}

const key = (phoneNumberId: string) => ({ pk: `state#${phoneNumberId}` });

export class NumberStates {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The pause in force, if any. */
  async pause(phoneNumberId: string): Promise<NumberPause | undefined> {
    const item = await this.table.get(key(phoneNumberId));
    if (!item || typeof item.paused_until !== 'number' || item.paused_until <= this.clock()) return undefined;
    return { paused_until: item.paused_until, reason: String(item.reason ?? ''), paused_at: String(item.paused_at ?? '') };
  }

  async pauseUntil(phoneNumberId: string, until: number, reason: string): Promise<NumberPause> {
    const pause = { paused_until: until, reason, paused_at: new Date(this.clock()).toISOString() };
    await this.table.put({ ...key(phoneNumberId), ...pause, expires_at: nowSeconds(until) + 86_400 });
    return pause;
  }

  async resume(phoneNumberId: string): Promise<void> {
    await this.table.delete(key(phoneNumberId));
  }
}

/**
 * Per-workspace suppression list (table `email-suppressions`: pk `ws#<workspace>`, sk the lower-cased
 * address). A hard bounce or a complaint suppresses an address for every category; an unsubscribe for
 * `marketing` only. A wider suppression replaces a narrower one, never the other way round.
 */
import { ConditionFailedError } from '../storage/errors';
import { type Table, type TableItem, when } from '../storage/table';
import { addressKey } from './addresses';
import type { Category } from './message';

export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'unsubscribe'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  workspace_id: string;
  email: string;
  reason: SuppressionReason;
  /** `all`: every category; `marketing`: marketing mail only. */
  scope: 'all' | 'marketing';
  /** Who reported it: ses, sendgrid, or ionflux (our own unsubscribe link). */
  source: string;
  dispatch_id?: string;
  created_at: string;
}

export const scopeOf = (reason: SuppressionReason): Suppression['scope'] => (reason === 'unsubscribe' ? 'marketing' : 'all');

const partition = (workspaceId: string) => `ws#${workspaceId}`;

const toSuppression = (item: TableItem): Suppression => ({
  workspace_id: item.workspace_id as string,
  email: item.email as string,
  reason: item.reason as SuppressionReason,
  scope: item.scope as Suppression['scope'],
  source: item.source as string,
  ...(typeof item.dispatch_id === 'string' ? { dispatch_id: item.dispatch_id } : {}),
  created_at: item.created_at as string,
});

export class SuppressionStore {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Records a suppression; returns false when the address was already suppressed at least as widely. */
  async add(entry: { workspaceId: string; email: string; reason: SuppressionReason; source: string; dispatchId?: string }): Promise<boolean> {
    const scope = scopeOf(entry.reason);
    const item: TableItem = {
      pk: partition(entry.workspaceId),
      sk: addressKey(entry.email),
      workspace_id: entry.workspaceId,
      email: addressKey(entry.email),
      reason: entry.reason,
      scope,
      source: entry.source,
      ...(entry.dispatchId ? { dispatch_id: entry.dispatchId } : {}),
      created_at: new Date(this.clock()).toISOString(),
    };
    try {
      // A marketing-only suppression never narrows one for every category.
      await this.table.put(item, { condition: scope === 'all' ? when.or(when.absent(), when.equals('scope', 'marketing')) : when.absent() });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  async get(workspaceId: string, email: string): Promise<Suppression | undefined> {
    const item = await this.table.get({ pk: partition(workspaceId), sk: addressKey(email) });
    return item ? toSuppression(item) : undefined;
  }

  /** The suppression that keeps `email` from receiving mail of `category`, if any. */
  async blocking(workspaceId: string, email: string, category: Category): Promise<Suppression | undefined> {
    const found = await this.get(workspaceId, email);
    return found && (found.scope === 'all' || category === 'marketing') ? found : undefined;
  }

  async list(workspaceId: string, options: { limit?: number } = {}): Promise<Suppression[]> {
    return (await this.table.query(partition(workspaceId), options.limit ? { limit: options.limit } : {})).map(toSuppression);
  }

  /** Lifts a suppression (an operator's decision); false when there was none. */
  async remove(workspaceId: string, email: string): Promise<boolean> {
    try {
      await this.table.delete({ pk: partition(workspaceId), sk: addressKey(email) }, { condition: when.equals('email', addressKey(email)) });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}

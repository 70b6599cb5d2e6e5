/**
 * Parked webhooks: verified deliveries for an account no workspace owns yet (a shop that sends before
 * its connection is recorded). Kept with their reason, raw body (gzip, split into parts under
 * DynamoDB's item limit) and the headers needed to parse them again; replayed once the account is
 * connected (`ionflux parked replay`, and every 15 minutes by webhooks-replay-parked).
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isConnectionProvider, normaliseAccountId } from '../connections/account-ids';
import type { Table, TableItem, WriteOp } from '../storage/table';
import { ParkedFilterError } from './errors';

/** Base64 characters per item: well under DynamoDB's 400 KB item limit. */
const PART_CHARS = 300 * 1024;
/** Parts per write: 10 × 300 KB stays under a transaction's 4 MB. */
const PARTS_PER_TRANSACTION = 10;

export interface ParkedWebhook {
  provider: string;
  /** Provider-scoped account id, or "unknown". */
  account_id: string;
  reason: string;
  kind: string;
  dedup_key: string;
  received_at: string;
  headers: Record<string, string>;
  rawBody: Buffer;
  /** Identifies this parked delivery: `<pk>|<sk>`. */
  id: string;
}

export class ParkedWebhookStore {
  constructor(private readonly table: Table) {}

  async park(entry: Omit<ParkedWebhook, 'id' | 'rawBody'> & { rawBody: Buffer }): Promise<string> {
    const pk = `${entry.provider}#${entry.account_id}`;
    const sk = `${entry.received_at}#${createHash('sha256').update(entry.dedup_key).digest('hex').slice(0, 16)}`;
    const body = gzipSync(entry.rawBody).toString('base64');
    const parts = Math.max(1, Math.ceil(body.length / PART_CHARS));
    const ops: WriteOp[] = [];
    for (let i = 0; i < parts; i++) {
      const item: TableItem = { pk, sk: `${sk}#${String(i).padStart(3, '0')}`, part: i, parts, body_gz: body.slice(i * PART_CHARS, (i + 1) * PART_CHARS) };
      if (i === 0) Object.assign(item, { provider: entry.provider, account_id: entry.account_id, reason: entry.reason, kind: entry.kind, dedup_key: entry.dedup_key, received_at: entry.received_at, headers: entry.headers });
      ops.push({ put: item });
    }
    // One transaction holds at most 4 MB: a large body is written in several, the head (part 0) last.
    // Until every part is there, `assemble` does not see the delivery.
    const batches: WriteOp[][] = [];
    for (let i = 1; i < ops.length; i += PARTS_PER_TRANSACTION) batches.push(ops.slice(i, i + PARTS_PER_TRANSACTION));
    batches.push([ops[0]!]);
    for (const batch of batches) await this.table.transactWrite(batch);
    return `${pk}|${sk}`;
  }

  private assemble(items: TableItem[]): ParkedWebhook[] {
    const groups = new Map<string, TableItem[]>();
    for (const item of items) {
      const base = `${item.pk}|${String(item.sk).replace(/#\d{3}$/, '')}`;
      groups.set(base, [...(groups.get(base) ?? []), item]);
    }
    const out: ParkedWebhook[] = [];
    for (const [id, parts] of groups) {
      parts.sort((a, b) => (a.part as number) - (b.part as number));
      const head = parts[0]!;
      if (parts.length !== head.parts) continue; // a park still being written
      out.push({
        id,
        provider: head.provider as string,
        account_id: head.account_id as string,
        reason: head.reason as string,
        kind: head.kind as string,
        dedup_key: head.dedup_key as string,
        received_at: head.received_at as string,
        headers: head.headers as Record<string, string>,
        rawBody: gunzipSync(Buffer.from(parts.map((p) => p.body_gz as string).join(''), 'base64')),
      });
    }
    return out.sort((a, b) => a.received_at.localeCompare(b.received_at));
  }

  /** Parked deliveries, all or one provider's, or one account's (the account id in any spelling the registry accepts). */
  async list(filter: { provider?: string; accountId?: string } = {}): Promise<ParkedWebhook[]> {
    if (filter.accountId !== undefined && !filter.provider) throw new ParkedFilterError('an account id needs its provider (--provider shopify --account <shop>)');
    if (filter.provider && filter.accountId !== undefined) {
      const accountId = isConnectionProvider(filter.provider) ? normaliseAccountId(filter.provider, filter.accountId) : filter.accountId;
      return this.assemble(await this.table.query(`${filter.provider}#${accountId}`));
    }
    return this.assemble(await this.table.scan()).filter((p) => !filter.provider || p.provider === filter.provider);
  }

  async remove(entry: ParkedWebhook): Promise<void> {
    const [pk, sk] = entry.id.split('|') as [string, string];
    const parts = await this.table.query(pk, { skBeginsWith: `${sk}#` });
    for (const part of parts) await this.table.delete({ pk, sk: part.sk as string });
  }
}

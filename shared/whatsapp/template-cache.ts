/**
 * The cached template list of each WABA: one item per template and language
 * (`waba#<id>` / `t#<name>#<language>`) and a marker of when the list was last read from Meta. The list
 * is served from here while fresh; template status webhooks and our own submissions keep it current in
 * between. Template items outlive the marker (a send still finds a template's category when the list is
 * stale).
 */
import { nowSeconds, type Table, type WriteOp } from '../storage/table';
import type { GraphTemplate } from './graph-api/templates';

const ITEM_TTL_S = 7 * 86_400;
const LIST = '#list';

export interface CachedTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string | null;
  parameter_format: string | null;
  components: unknown[];
  rejected_reason: string | null;
  quality_score: unknown;
  updated_at: string;
}

export interface CachedList {
  fetched_at: string;
  templates: CachedTemplate[];
}

const pk = (wabaId: string) => `waba#${wabaId}`;
const sk = (name: string, language: string) => `t#${name}#${language}`;

export function toCachedTemplate(t: GraphTemplate, now: number): CachedTemplate {
  return {
    id: String(t.id),
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category ?? null,
    parameter_format: t.parameter_format ?? null,
    components: Array.isArray(t.components) ? t.components : [],
    rejected_reason: t.rejected_reason ?? null,
    quality_score: t.quality_score ?? null,
    updated_at: new Date(now).toISOString(),
  };
}

export class TemplateCache {
  constructor(
    private readonly table: Table,
    private readonly options: { freshMs: number; clock?: () => number },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** The cached list when it was read from Meta less than `freshMs` ago. */
  async fresh(wabaId: string): Promise<CachedList | undefined> {
    const items = await this.table.query(pk(wabaId));
    const marker = items.find((i) => i.sk === LIST);
    if (!marker || this.now() - Date.parse(String(marker.fetched_at)) >= this.options.freshMs) return undefined;
    return { fetched_at: String(marker.fetched_at), templates: items.filter((i) => i.sk !== LIST).map((i) => i.template as CachedTemplate) };
  }

  /** Replaces the cached list with what Meta just answered. */
  async replace(wabaId: string, templates: CachedTemplate[]): Promise<CachedList> {
    const fetchedAt = new Date(this.now()).toISOString();
    const expires_at = nowSeconds(this.now()) + ITEM_TTL_S;
    const before = await this.table.query(pk(wabaId), { skBeginsWith: 't#' });
    const keep = new Set(templates.map((t) => sk(t.name, t.language)));
    const gone = before.filter((i) => !keep.has(String(i.sk)));
    // Written in transactions of up to 50 items (one round trip each), a few at a time.
    const ops: WriteOp[] = [
      ...templates.map((t): WriteOp => ({ put: { pk: pk(wabaId), sk: sk(t.name, t.language), template: t, expires_at } })),
      ...gone.map((i): WriteOp => ({ delete: { pk: pk(wabaId), sk: String(i.sk) } })),
    ];
    const batches: WriteOp[][] = [];
    for (let i = 0; i < ops.length; i += 50) batches.push(ops.slice(i, i + 50));
    await runLimited(batches.map((batch) => () => this.table.transactWrite(batch)));
    await this.table.put({ pk: pk(wabaId), sk: LIST, fetched_at: fetchedAt, count: templates.length, expires_at });
    return { fetched_at: fetchedAt, templates };
  }

  async find(wabaId: string, name: string, language: string): Promise<CachedTemplate | undefined> {
    const item = await this.table.get({ pk: pk(wabaId), sk: sk(name, language) });
    return item ? (item.template as CachedTemplate) : undefined;
  }

  async upsert(wabaId: string, template: CachedTemplate): Promise<void> {
    await this.table.put({ pk: pk(wabaId), sk: sk(template.name, template.language), template, expires_at: nowSeconds(this.now()) + ITEM_TTL_S });
  }

  /** A status change Meta reported, applied to the cached template if it is the same one (same id). */
  async updateStatus(wabaId: string, change: { id: string; name: string; language: string; status: string; reason?: string | null }): Promise<boolean> {
    const key = { pk: pk(wabaId), sk: sk(change.name, change.language) };
    const item = await this.table.get(key);
    const cached = item?.template as CachedTemplate | undefined;
    if (!cached || cached.id !== change.id) return false;
    await this.upsert(wabaId, { ...cached, status: change.status, rejected_reason: change.reason ?? cached.rejected_reason, updated_at: new Date(this.now()).toISOString() });
    return true;
  }

  /** Forgets a deleted template (every language, or the one with `templateId`). */
  async remove(wabaId: string, name: string, templateId?: string): Promise<void> {
    const items = await this.table.query(pk(wabaId), { skBeginsWith: `t#${name}#` });
    for (const item of items) {
      if (templateId && (item.template as CachedTemplate).id !== templateId) continue;
      await this.table.delete({ pk: pk(wabaId), sk: String(item.sk) });
    }
  }
}

/** Runs the tasks, at most 4 at a time. */
async function runLimited(tasks: Array<() => Promise<unknown>>): Promise<void> {
  const queue = [...tasks];
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, async () => {
    for (let task = queue.shift(); task; task = queue.shift()) await task();
  }));
}

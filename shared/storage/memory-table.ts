/**
 * The Table contract in process memory: for benchmarks and unit tests that need a store answering
 * without I/O. Same semantics as DynamoDB and SQLite (proved by the same contract test).
 */
import { ConditionFailedError } from './errors';
import {
  assertValidTransaction,
  type Condition,
  evaluate,
  isExpired,
  type QueryOptions,
  type Table,
  type TableItem,
  type TableKey,
  type UpdateSpec,
  type WriteOp,
} from './table';

const id = (key: TableKey) => `${key.pk}\u0000${key.sk ?? ''}`;
// Items are JSON data (as in DynamoDB): a JSON round trip is the cheapest faithful copy.
const copy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

export class MemoryTable implements Table {
  private readonly items = new Map<string, TableItem>();

  constructor(
    readonly name: string,
    private readonly clock: () => number = Date.now,
  ) {}

  private live(key: TableKey): TableItem | undefined {
    const item = this.items.get(id(key));
    return item && !isExpired(item, this.clock()) ? item : undefined;
  }

  private check(condition: Condition | undefined, existing: TableItem | undefined): void {
    if (condition && !evaluate(condition, existing)) throw new ConditionFailedError(this.name);
  }

  private applyUpdate(key: TableKey, update: UpdateSpec, existing: TableItem | undefined): TableItem {
    const next: TableItem = { ...(existing ? copy(existing) : {}), pk: key.pk, ...(key.sk !== undefined ? { sk: key.sk } : {}) };
    for (const [attr, value] of Object.entries(update.set ?? {})) if (value !== undefined) next[attr] = copy(value);
    for (const [attr, by] of Object.entries(update.add ?? {})) next[attr] = (typeof next[attr] === 'number' ? (next[attr] as number) : 0) + by;
    for (const attr of update.remove ?? []) delete next[attr];
    return next;
  }

  async get(key: TableKey): Promise<TableItem | undefined> {
    const item = this.live(key);
    return item ? copy(item) : undefined;
  }

  async put(item: TableItem, options: { condition?: Condition } = {}): Promise<void> {
    this.check(options.condition, this.live(item));
    this.items.set(id(item), copy(item));
  }

  async update(key: TableKey, update: UpdateSpec, options: { condition?: Condition } = {}): Promise<TableItem> {
    const existing = this.live(key);
    this.check(options.condition, existing);
    const next = this.applyUpdate(key, update, existing);
    this.items.set(id(key), next);
    return copy(next);
  }

  async delete(key: TableKey, options: { condition?: Condition } = {}): Promise<void> {
    this.check(options.condition, this.live(key));
    this.items.delete(id(key));
  }

  async query(pk: string, options: QueryOptions = {}): Promise<TableItem[]> {
    const found = [...this.items.values()]
      .filter((i) => i.pk === pk && !isExpired(i, this.clock()) && (options.skBeginsWith === undefined || String(i.sk ?? '').startsWith(options.skBeginsWith)))
      .sort((a, b) => String(a.sk ?? '').localeCompare(String(b.sk ?? '')) * (options.descending ? -1 : 1));
    return (options.limit ? found.slice(0, options.limit) : found).map(copy);
  }

  async scan(options: { limit?: number } = {}): Promise<TableItem[]> {
    const all = [...this.items.values()].filter((i) => !isExpired(i, this.clock()));
    return (options.limit ? all.slice(0, options.limit) : all).map(copy);
  }

  async transactWrite(ops: WriteOp[]): Promise<void> {
    assertValidTransaction(this.name, ops);
    const staged = new Map<string, TableItem | undefined>();
    for (const op of ops) {
      if ('put' in op) {
        this.check(op.condition, this.live(op.put));
        staged.set(id(op.put), copy(op.put));
      } else if ('update' in op) {
        const existing = this.live(op.update);
        this.check(op.condition, existing);
        staged.set(id(op.update), this.applyUpdate(op.update, op.spec, existing));
      } else if ('delete' in op) {
        this.check(op.condition, this.live(op.delete));
        staged.set(id(op.delete), undefined);
      } else {
        this.check(op.condition, this.live(op.check));
      }
    }
    for (const [key, item] of staged) {
      if (item) this.items.set(key, item);
      else this.items.delete(key);
    }
  }
}

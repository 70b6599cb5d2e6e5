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

/** Marks a value a JSON round trip would change (or refuse): the copy then takes the round trip. */
const NOT_PLAIN = Symbol('not plain JSON data');
/** Deeper than this, the round trip copies (and refuses a cycle with JSON's own TypeError). */
const DIRECT_DEPTH = 64;

function direct(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes NaN and ±Infinity as null and -0 as 0.
      return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_PLAIN;
    case 'object': {
      if (value === null) return null;
      if (depth >= DIRECT_DEPTH) return NOT_PLAIN;
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const v = direct(value[i], depth + 1);
          if (v === NOT_PLAIN) return NOT_PLAIN;
          out[i] = v;
        }
        return out;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const member = (value as Record<string, unknown>)[key];
        // JSON leaves these members out.
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        if (key === '__proto__') return NOT_PLAIN;
        const v = direct(member, depth + 1);
        if (v === NOT_PLAIN) return NOT_PLAIN;
        out[key] = v;
      }
      return out;
    }
    default:
      // undefined, functions, symbols and bigints inside arrays or at the top: as JSON has them.
      return NOT_PLAIN;
  }
}

/**
 * What a JSON round trip of `value` gives (items are JSON data, as in DynamoDB), without writing and
 * parsing text when the value is plain JSON data already — objects, arrays, strings, finite numbers,
 * booleans, null. Anything the round trip would change (a Date, a toJSON, NaN, a class instance, -0…) or
 * refuse (a bigint, a cycle) takes the round trip itself.
 */
export function copyJsonData<T>(value: T): T {
  if (value === undefined) return value;
  const copied = direct(value, 0);
  return (copied === NOT_PLAIN ? JSON.parse(JSON.stringify(value)) : copied) as T;
}
const copy = copyJsonData;

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

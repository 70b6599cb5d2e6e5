/**
 * A key-value table with conditional writes: the one storage contract every store (dedup, connections,
 * workspaces, parked webhooks, counters…) is written against. Implemented by DynamoDB (AWS, tests on
 * moto) and by SQLite under IONFLUX_HOME (the embedded default).
 */
export interface TableKey {
  pk: string;
  sk?: string;
}

export type TableItem = TableKey & { [attribute: string]: unknown };

/** A condition on the stored item, evaluated atomically with the write. */
export type Condition =
  | { kind: 'absent' }
  | { kind: 'equals'; attr: string; value: string | number | boolean }
  | { kind: 'lessThan'; attr: string; value: number }
  | { kind: 'attrAbsent'; attr: string }
  | { kind: 'and'; all: Condition[] }
  | { kind: 'or'; any: Condition[] };

export const when = {
  /** No item under the key (an item past its `expires_at` counts as absent). */
  absent: (): Condition => ({ kind: 'absent' }),
  equals: (attr: string, value: string | number | boolean): Condition => ({ kind: 'equals', attr, value }),
  lessThan: (attr: string, value: number): Condition => ({ kind: 'lessThan', attr, value }),
  attrAbsent: (attr: string): Condition => ({ kind: 'attrAbsent', attr }),
  and: (...all: Condition[]): Condition => ({ kind: 'and', all }),
  or: (...any: Condition[]): Condition => ({ kind: 'or', any }),
};

export interface UpdateSpec {
  /** Attributes to set (a value of `undefined` is ignored). */
  set?: Record<string, unknown>;
  /** Numeric attributes to increment (created at 0 when missing). */
  add?: Record<string, number>;
  remove?: string[];
}

export interface QueryOptions {
  skBeginsWith?: string;
  limit?: number;
  descending?: boolean;
}

/** One write of an all-or-nothing transaction on one table. */
export type WriteOp =
  | { put: TableItem; condition?: Condition }
  | { update: TableKey; spec: UpdateSpec; condition?: Condition }
  | { delete: TableKey; condition?: Condition }
  | { check: TableKey; condition: Condition };

const opKey = (op: WriteOp): TableKey => ('put' in op ? op.put : 'update' in op ? op.update : 'delete' in op ? op.delete : op.check);

/** DynamoDB's limits on one transaction: 100 actions, 4 MB of items. */
export const MAX_TRANSACTION_ITEMS = 100;
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

/**
 * What DynamoDB refuses in a transaction, refused the same way by every Table: an item touched twice, more
 * than 100 actions, more than 4 MB of items (sized as their JSON: close to DynamoDB's own count of names
 * and values).
 */
export function assertValidTransaction(table: string, ops: WriteOp[]): void {
  if (ops.length > MAX_TRANSACTION_ITEMS) throw new Error(`transaction on ${table} has ${ops.length} actions; at most ${MAX_TRANSACTION_ITEMS}`);
  const seen = new Set<string>();
  let bytes = 0;
  for (const op of ops) {
    const { pk, sk } = opKey(op);
    const id = `${pk}\u0000${sk ?? ''}`;
    if (seen.has(id)) throw new Error(`transaction on ${table} touches item ${pk}${sk ? `/${sk}` : ''} more than once`);
    seen.add(id);
    bytes += Buffer.byteLength(JSON.stringify('put' in op ? op.put : 'update' in op ? [op.update, op.spec] : op));
  }
  if (bytes > MAX_TRANSACTION_BYTES) throw new Error(`transaction on ${table} writes about ${bytes} bytes; at most ${MAX_TRANSACTION_BYTES}`);
}

export interface Table {
  readonly name: string;
  get(key: TableKey): Promise<TableItem | undefined>;
  /** Writes the whole item; throws ConditionFailedError when `condition` does not hold. */
  put(item: TableItem, options?: { condition?: Condition }): Promise<void>;
  /** Updates (or creates) the item and returns it as stored afterwards. */
  update(key: TableKey, update: UpdateSpec, options?: { condition?: Condition }): Promise<TableItem>;
  delete(key: TableKey, options?: { condition?: Condition }): Promise<void>;
  /** Items of one partition, ordered by sort key. */
  query(pk: string, options?: QueryOptions): Promise<TableItem[]>;
  /** Every live item (operator listings; not for request paths). */
  scan(options?: { limit?: number }): Promise<TableItem[]>;
  /** All writes happen or none does; ConditionFailedError when any condition does not hold. */
  transactWrite(ops: WriteOp[]): Promise<void>;
}

export const TTL_ATTRIBUTE = 'expires_at';

export const nowSeconds = (now: number = Date.now()): number => Math.floor(now / 1000);

/** True when the item carries an `expires_at` in the past (DynamoDB deletes those lazily). */
export const isExpired = (item: Record<string, unknown>, now: number = Date.now()): boolean =>
  typeof item[TTL_ATTRIBUTE] === 'number' && (item[TTL_ATTRIBUTE] as number) <= nowSeconds(now);

/** Evaluates a condition against the stored item (or undefined) — the embedded store's semantics. */
export function evaluate(condition: Condition, item: Record<string, unknown> | undefined): boolean {
  switch (condition.kind) {
    case 'absent':
      return item === undefined;
    case 'equals':
      return item !== undefined && item[condition.attr] === condition.value;
    case 'lessThan': {
      const value = item?.[condition.attr];
      return typeof value === 'number' && value < condition.value;
    }
    case 'attrAbsent':
      return item === undefined || item[condition.attr] === undefined;
    case 'and':
      return condition.all.every((c) => evaluate(c, item));
    case 'or':
      return condition.any.some((c) => evaluate(c, item));
  }
}

/**
 * The Table contract on SQLite (Node's built-in `node:sqlite`) in one file under IONFLUX_HOME: the
 * embedded default of `npm run dev` and the CLI. Conditions are evaluated inside an IMMEDIATE
 * transaction, so the local runtime and a concurrent CLI command see the same atomic semantics as
 * DynamoDB's conditional writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConditionFailedError } from './errors';
import { type Condition, evaluate, isExpired, type QueryOptions, type Table, type TableItem, type TableKey, type UpdateSpec, type WriteOp, assertValidTransaction } from './table';

const databases = new Map<string, DatabaseSync>();

/** One connection per database file and process. */
export function openDatabase(file: string): DatabaseSync {
  let db = databases.get(file);
  if (!db) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Loaded on first use: Lambdas bundle this module (through the runtime) but never open a database.
    const { DatabaseSync: Database } = require('node:sqlite') as typeof import('node:sqlite');
    db = new Database(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
    databases.set(file, db);
  }
  return db;
}

export function closeDatabases(): void {
  for (const db of databases.values()) db.close();
  databases.clear();
}

interface Row {
  item: string;
}

export class SqliteTable implements Table {
  private readonly table: string;
  private readonly statements = new Map<string, StatementSync>();

  constructor(
    readonly name: string,
    private readonly db: DatabaseSync,
    private readonly clock: () => number = Date.now,
  ) {
    this.table = `"${name.replace(/"/g, '""')}"`;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (pk TEXT NOT NULL, sk TEXT NOT NULL DEFAULT '', item TEXT NOT NULL, PRIMARY KEY (pk, sk))`);
  }

  /** Statements are compiled once per table and reused. */
  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql.replaceAll('$table', this.table));
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private read(key: TableKey): TableItem | undefined {
    const row = this.statement('SELECT item FROM $table WHERE pk = ? AND sk = ?').get(key.pk, key.sk ?? '') as Row | undefined;
    if (!row) return undefined;
    const item = JSON.parse(row.item) as TableItem;
    return isExpired(item, this.clock()) ? undefined : item;
  }

  private write(item: TableItem): void {
    this.statement('INSERT OR REPLACE INTO $table (pk, sk, item) VALUES (?, ?, ?)').run(item.pk, item.sk ?? '', JSON.stringify(item));
  }

  private transaction<T>(work: () => T): T {
    this.statement('BEGIN IMMEDIATE').run();
    try {
      const result = work();
      this.statement('COMMIT').run();
      return result;
    } catch (error) {
      this.statement('ROLLBACK').run();
      throw error;
    }
  }

  private check(condition: Condition | undefined, existing: TableItem | undefined): void {
    if (condition && !evaluate(condition, existing)) throw new ConditionFailedError(this.name);
  }

  async get(key: TableKey): Promise<TableItem | undefined> {
    return this.read(key);
  }

  async put(item: TableItem, options: { condition?: Condition } = {}): Promise<void> {
    const clean = JSON.parse(JSON.stringify(item)) as TableItem;
    this.transaction(() => {
      this.check(options.condition, this.read(item));
      this.write(clean);
    });
  }

  private applyUpdate(key: TableKey, update: UpdateSpec, condition: Condition | undefined): TableItem {
    const existing = this.read(key);
    this.check(condition, existing);
    const next: TableItem = { ...(existing ?? {}), pk: key.pk, ...(key.sk !== undefined ? { sk: key.sk } : {}) };
    for (const [attr, value] of Object.entries(update.set ?? {})) if (value !== undefined) next[attr] = JSON.parse(JSON.stringify(value));
    for (const [attr, by] of Object.entries(update.add ?? {})) next[attr] = (typeof next[attr] === 'number' ? (next[attr] as number) : 0) + by;
    for (const attr of update.remove ?? []) delete next[attr];
    this.write(next);
    return next;
  }

  async update(key: TableKey, update: UpdateSpec, options: { condition?: Condition } = {}): Promise<TableItem> {
    return this.transaction(() => this.applyUpdate(key, update, options.condition));
  }

  async transactWrite(ops: WriteOp[]): Promise<void> {
    assertValidTransaction(this.name, ops);
    this.transaction(() => {
      for (const op of ops) {
        if ('put' in op) {
          this.check(op.condition, this.read(op.put));
          this.write(JSON.parse(JSON.stringify(op.put)) as TableItem);
        } else if ('update' in op) {
          this.applyUpdate(op.update, op.spec, op.condition);
        } else if ('delete' in op) {
          this.check(op.condition, this.read(op.delete));
          this.statement('DELETE FROM $table WHERE pk = ? AND sk = ?').run(op.delete.pk, op.delete.sk ?? '');
        } else {
          this.check(op.condition, this.read(op.check));
        }
      }
    });
  }

  async delete(key: TableKey, options: { condition?: Condition } = {}): Promise<void> {
    this.transaction(() => {
      this.check(options.condition, this.read(key));
      this.statement('DELETE FROM $table WHERE pk = ? AND sk = ?').run(key.pk, key.sk ?? '');
    });
  }

  async query(pk: string, options: QueryOptions = {}): Promise<TableItem[]> {
    const order = options.descending ? 'DESC' : 'ASC';
    const rows = (
      options.skBeginsWith !== undefined
        ? this.statement(`SELECT item FROM $table WHERE pk = ? AND substr(sk, 1, length(?)) = ? ORDER BY sk ${order}`).all(pk, options.skBeginsWith, options.skBeginsWith)
        : this.statement(`SELECT item FROM $table WHERE pk = ? ORDER BY sk ${order}`).all(pk)
    ) as unknown as Row[];
    const items = rows.map((r) => JSON.parse(r.item) as TableItem).filter((item) => !isExpired(item, this.clock()));
    return options.limit ? items.slice(0, options.limit) : items;
  }

  async scan(options: { limit?: number } = {}): Promise<TableItem[]> {
    const rows = this.statement('SELECT item FROM $table ORDER BY pk, sk').all() as unknown as Row[];
    const items = rows.map((r) => JSON.parse(r.item) as TableItem).filter((item) => !isExpired(item, this.clock()));
    return options.limit ? items.slice(0, options.limit) : items;
  }
}

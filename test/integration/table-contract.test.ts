/**
 * The Table contract, proven on every implementation: DynamoDB (moto), SQLite (embedded) and memory. Every
 * store in the project is written against this contract, so the backends must agree on it.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { dynamoDbClient } from '../../shared/runtime/storage';
import { ConditionFailedError } from '../../shared/storage/errors';
import { DynamoDbTable } from '../../shared/storage/dynamodb-table';
import { MemoryTable } from '../../shared/storage/memory-table';
import { openDatabase, SqliteTable } from '../../shared/storage/sqlite-table';
import { nowSeconds, type Table, when } from '../../shared/storage/table';

let clock = Date.now();
const now = () => clock;

async function dynamoTable(name: string, sortKey: boolean): Promise<Table> {
  await dynamoDbClient().send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(sortKey ? [{ AttributeName: 'sk', AttributeType: 'S' as const }] : [])],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(sortKey ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
    }),
  );
  await dynamoDbClient().send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true } }));
  return new DynamoDbTable(name, dynamoDbClient(), true, now);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'table-contract-'));
const backends: Array<[string, (name: string, sortKey: boolean) => Promise<Table>]> = [
  ['DynamoDB (moto)', dynamoTable],
  ['SQLite (embedded)', async (name) => new SqliteTable(name, openDatabase(path.join(dir, 'state.sqlite')), now)],
  ['memory (benchmarks, unit tests)', async (name) => new MemoryTable(name, now)],
];

afterAll(() => resetEnvironment());

describe.each(backends)('Table contract on %s', (_label, make) => {
  let table: Table;
  let sorted: Table;
  beforeAll(async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    table = await make(`${process.env.IONFLUX_RESOURCE_PREFIX}-kv-${suffix}`, false);
    sorted = await make(`${process.env.IONFLUX_RESOURCE_PREFIX}-sorted-${suffix}`, true);
  });
  beforeEach(() => {
    clock = Date.now();
  });

  it('puts, gets and deletes items', async () => {
    await table.put({ pk: 'a', name: 'x', nested: { n: 1, list: [1, 'two'] } });
    expect(await table.get({ pk: 'a' })).toEqual({ pk: 'a', name: 'x', nested: { n: 1, list: [1, 'two'] } });
    await table.delete({ pk: 'a' });
    expect(await table.get({ pk: 'a' })).toBeUndefined();
  });

  it('writes conditionally: absent, equals, or either', async () => {
    await table.put({ pk: 'c', status: 'pending' }, { condition: when.absent() });
    await expect(table.put({ pk: 'c', status: 'again' }, { condition: when.absent() })).rejects.toBeInstanceOf(ConditionFailedError);
    await table.update({ pk: 'c' }, { set: { status: 'done' } }, { condition: when.equals('status', 'pending') });
    await expect(table.update({ pk: 'c' }, { set: { status: 'x' } }, { condition: when.equals('status', 'pending') })).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    await table.put({ pk: 'c', status: 'replaced' }, { condition: when.or(when.absent(), when.equals('status', 'done')) });
    expect((await table.get({ pk: 'c' }))?.status).toBe('replaced');
    await expect(table.delete({ pk: 'c' }, { condition: when.equals('status', 'nope') })).rejects.toBeInstanceOf(ConditionFailedError);
  });

  it('treats an item past its expires_at as absent, for reads and conditions', async () => {
    await table.put({ pk: 'ttl', expires_at: nowSeconds(clock) + 60 });
    expect(await table.get({ pk: 'ttl' })).toBeDefined();
    await expect(table.put({ pk: 'ttl' }, { condition: when.absent() })).rejects.toBeInstanceOf(ConditionFailedError);
    clock += 61_000;
    expect(await table.get({ pk: 'ttl' })).toBeUndefined();
    await table.put({ pk: 'ttl', again: true, expires_at: nowSeconds(clock) + 60 }, { condition: when.absent() });
    expect((await table.get({ pk: 'ttl' }))?.again).toBe(true);
  });

  it('increments counters atomically, creating them at zero', async () => {
    await Promise.all(Array.from({ length: 10 }, () => table.update({ pk: 'counter' }, { add: { n: 1 }, set: { label: 'orders' } })));
    const item = await table.update({ pk: 'counter' }, { add: { n: 5 }, remove: ['label'] });
    expect(item.n).toBe(15);
    expect(item.label).toBeUndefined();
  });

  it('writes transactions all or nothing', async () => {
    await table.transactWrite([
      { put: { pk: 'tx-marker' }, condition: when.absent() },
      { update: { pk: 'tx-total' }, spec: { add: { n: 1 } } },
    ]);
    await expect(
      table.transactWrite([
        { put: { pk: 'tx-marker' }, condition: when.absent() },
        { update: { pk: 'tx-total' }, spec: { add: { n: 1 } } },
      ]),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await table.get({ pk: 'tx-total' }))?.n).toBe(1);
    await table.transactWrite([{ check: { pk: 'tx-total' }, condition: when.equals('n', 1) }, { delete: { pk: 'tx-marker' } }]);
    expect(await table.get({ pk: 'tx-marker' })).toBeUndefined();
    await expect(table.transactWrite([{ check: { pk: 'tx-total' }, condition: when.absent() }, { put: { pk: 'tx-other' } }])).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect(await table.get({ pk: 'tx-other' })).toBeUndefined();
    await expect(table.transactWrite([{ put: { pk: 'x' } }, { delete: { pk: 'x' } }])).rejects.toThrow(/more than once/);
    // DynamoDB's transaction limits, refused the same way everywhere: 100 actions, 4 MB of items.
    await expect(table.transactWrite(Array.from({ length: 101 }, (_, i) => ({ put: { pk: `many-${i}` } })))).rejects.toThrow(/at most 100/);
    const big = (i: number) => ({ put: { pk: `big-${i}`, blob: 'x'.repeat(300 * 1024) } });
    await expect(table.transactWrite(Array.from({ length: 14 }, (_, i) => big(i)))).rejects.toThrow(/at most 4194304/);
    expect(await table.get({ pk: 'big-0' })).toBeUndefined();
  });

  it('queries a partition by sort-key prefix, in order', async () => {
    for (const sk of ['2026-01-02#b', '2026-01-01#a', '2026-02-01#c', 'other']) await sorted.put({ pk: 'p', sk, v: sk });
    await sorted.put({ pk: 'q', sk: '2026-01-01#z' });
    expect((await sorted.query('p', { skBeginsWith: '2026-01' })).map((i) => i.sk)).toEqual(['2026-01-01#a', '2026-01-02#b']);
    expect((await sorted.query('p', { descending: true, limit: 2 })).map((i) => i.sk)).toEqual(['other', '2026-02-01#c']);
    expect((await sorted.scan()).length).toBe(5);
  });
});

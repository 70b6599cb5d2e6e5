/**
 * The embedded store: exact search equal to a brute-force reading of each metric (property), records
 * that survive a restart, a torn write at the end of a log, a compaction, and another process's writes
 * (a second store instance on the same folder follows appends and a compacted file).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { EmbeddedVectorStore } from '../../shared/memory/embedded/embedded-store';
import { VectorTable } from '../../shared/memory/embedded/vector-table';
import { compileFilter } from '../../shared/memory/filter';
import { workspaceNamespace, workspacePrefix } from '../../shared/memory/namespaces';
import type { IndexDescription, Metric } from '../../shared/memory/vector-store';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'vectors-'));

function brute(rows: number[][], query: number[], metric: Metric): number[] {
  return rows.map((v) => {
    let dot = 0;
    let qq = 0;
    let vv = 0;
    for (let i = 0; i < v.length; i++) {
      dot += Math.fround(query[i]!) * Math.fround(v[i]!);
      qq += Math.fround(query[i]!) ** 2;
      vv += Math.fround(v[i]!) ** 2;
    }
    if (metric === 'dotproduct') return dot;
    if (metric === 'euclidean') return qq + vv - 2 * dot;
    return dot / Math.sqrt(qq * vv);
  });
}

describe('exact search', () => {
  it('returns the k best rows of each metric, as a brute-force pass computes them, filtered', () => {
    const dim = 6;
    const value = fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }).filter((x) => Math.abs(x) > 1e-3);
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { minLength: dim, maxLength: dim }), { minLength: 1, maxLength: 60 }),
        fc.array(value, { minLength: dim, maxLength: dim }),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom<Metric>('cosine', 'dotproduct', 'euclidean'),
        fc.boolean(),
        (rows, query, k, metric, filtered) => {
          const table = new VectorTable(dim, 4);
          rows.forEach((v, i) => table.put(`r${i}`, v, { even: i % 2 === 0 }));
          const predicate = filtered ? compileFilter({ even: true }) : undefined;
          const got = table.search(Float32Array.from(query), metric, k, predicate);
          const scores = brute(rows, query, metric);
          const eligible = rows.map((_, i) => i).filter((i) => !filtered || i % 2 === 0);
          // Best first: the k best scores of the eligible rows (ties may pick different rows, never different scores).
          const expected = eligible.map((i) => scores[i]!).sort((a, b) => (metric === 'euclidean' ? a - b : b - a)).slice(0, k);
          expect(got).toHaveLength(expected.length);
          got.forEach(({ slot, score }, i) => {
            expect(eligible).toContain(slot);
            expect(score).toBeCloseTo(scores[slot]!, 2);
            expect(Math.abs(score - expected[i]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(expected[i]!)));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('overwrites and removals keep ids, rows and norms in step', () => {
    const t = new VectorTable(2, 1);
    t.put('a', [1, 0], undefined);
    t.put('b', [0, 1], { x: 1 });
    t.put('c', [1, 1], undefined);
    t.put('a', [3, 4], undefined);
    expect(t.remove('b')).toBe(true);
    expect(t.remove('b')).toBe(false);
    expect(t.count).toBe(2);
    expect(t.ids).toEqual(['a', 'c']);
    expect(Array.from(t.row(t.slotOf('a')!))).toEqual([3, 4]);
    expect(t.norms[t.slotOf('a')!]).toBeCloseTo(5);
    expect(t.search(Float32Array.from([1, 1]), 'cosine', 5).map((m) => t.ids[m.slot])).toEqual(['c', 'a']);
  });
});

describe('on disk', () => {
  const index = (name = 'idx'): IndexDescription => ({ name, dimension: 3, metric: 'cosine', ready: true, state: 'Ready' });
  const ns = workspaceNamespace('w1', { resolved_namespace: 'agent/memory' });

  async function withRecords(dir: string, n: number, from = 0): Promise<EmbeddedVectorStore> {
    const store = new EmbeddedVectorStore({ dir, ensureIndex: { name: 'idx', dimension: 3, metric: 'cosine' } });
    expect((await store.describeIndex('idx'))?.dimension).toBe(3);
    await store.upsert(
      index(),
      ns,
      Array.from({ length: n }, (_, i) => ({ id: `r${from + i}`, values: [from + i + 1, 1, 0.5], metadata: { n: from + i } })),
    );
    return store;
  }

  it('the configured index exists from the first call, with its dimension and metric; others must be created', async () => {
    const dir = tmp();
    const store = new EmbeddedVectorStore({ dir, ensureIndex: { name: 'idx', dimension: 384, metric: 'dotproduct', embeddingModel: 'all-minilm-l6-v2' } });
    expect(await store.describeIndex('idx')).toEqual({ name: 'idx', dimension: 384, metric: 'dotproduct', ready: true, state: 'Ready', embeddingModel: 'all-minilm-l6-v2' });
    expect(await store.describeIndex('other')).toBeUndefined();
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'idx', 'index.json'), 'utf8'))).toMatchObject({ name: 'idx', dimension: 384, metric: 'dotproduct' });
  });

  it('records survive a restart; a torn write at the end is ignored and then overwritten', async () => {
    const dir = tmp();
    await withRecords(dir, 5);
    const file = path.join(dir, 'idx', 'ns', fs.readdirSync(path.join(dir, 'idx', 'ns'))[0]!);
    fs.appendFileSync(file, Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    const reopened = new EmbeddedVectorStore({ dir });
    const fetched = await reopened.fetch(index(), ns, ['r0', 'r4', 'nope']);
    expect(fetched.records).toEqual([
      { id: 'r0', values: [1, 1, 0.5], metadata: { n: 0 } },
      { id: 'r4', values: [5, 1, 0.5], metadata: { n: 4 } },
    ]);
    await reopened.upsert(index(), ns, [{ id: 'r9', values: [9, 1, 0.5] }]);
    const third = new EmbeddedVectorStore({ dir });
    expect((await third.listNamespaces(index(), workspacePrefix('w1'))).map((n) => [n.namespace.relative, n.recordCount])).toEqual([['agent/memory', 6]]);
    expect((await third.listNamespaces(index(), workspacePrefix('w2')))).toEqual([]);
  });

  it('a log full of overwrites is compacted; what it holds is unchanged', async () => {
    const dir = tmp();
    const store = await withRecords(dir, 10);
    const file = path.join(dir, 'idx', 'ns', fs.readdirSync(path.join(dir, 'idx', 'ns'))[0]!);
    for (let round = 0; round < 130; round++) await store.upsert(index(), ns, Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, values: [i + 1, round + 1, 0.5], metadata: { n: i, round } })));
    // 1,310 records written, 10 alive: rewritten when the log held over 2 × live + 1,000.
    expect(fs.statSync(file).size).toBeLessThan(40 * 1024);
    const reopened = new EmbeddedVectorStore({ dir });
    expect((await reopened.fetch(index(), ns, ['r3'])).records).toEqual([{ id: 'r3', values: [4, 130, 0.5], metadata: { n: 3, round: 129 } }]);
  });

  it("another instance (another process: the CLI beside npm run dev) follows appends, deletes and a compaction", async () => {
    const dir = tmp();
    const writer = await withRecords(dir, 3);
    const reader = new EmbeddedVectorStore({ dir });
    const count = async () => (await reader.listNamespaces(index(), workspacePrefix('w1')))[0]?.recordCount ?? 0;
    expect(await count()).toBe(3);
    await writer.upsert(index(), ns, [{ id: 'r7', values: [7, 1, 0.5] }]);
    expect(await count()).toBe(4);
    await writer.delete(index(), ns, { filter: { n: { $lt: 2 } } });
    expect(await count()).toBe(2);
    for (let i = 0; i < 120; i++) await writer.upsert(index(), ns, Array.from({ length: 10 }, (_, j) => ({ id: `x${j}`, values: [j + 1, i + 1, 1] })));
    expect(await count()).toBe(12);
    const q = await reader.query(index(), ns, { target: { id: 'x9' }, topK: 1, includeMetadata: false, includeValues: true });
    expect(q.matches[0]).toMatchObject({ id: 'x9', values: [10, 120, 1] });
    await writer.delete(index(), ns, { all: true });
    expect(await count()).toBe(0);
  });
});

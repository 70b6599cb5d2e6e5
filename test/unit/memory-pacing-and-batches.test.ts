/**
 * The per-namespace pacer (turns taken in rotation, per-namespace and overall in-flight limits, request
 * and byte buckets, deadlines) and the upsert batches (≤ 1,000 records, ≤ 2 MB of the JSON the SDK sends).
 */
import fc from 'fast-check';
import { LIMITS } from '../../shared/memory/contract';
import { PacingTimeoutError } from '../../shared/memory/errors';
import { NamespacePacer } from '../../shared/memory/pacer';
import { toBatches } from '../../shared/memory/records';
import type { VectorRecord } from '../../shared/memory/vector-store';

const later = (ms = 10_000) => Date.now() + ms;
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('per-namespace pacing', () => {
  it('namespaces take turns: a namespace with one call waiting goes next, not after the other’s backlog', async () => {
    const pacer = new NamespacePacer({ maxInFlight: 1, perNamespaceInFlight: 1 });
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(name);
      await tick(2);
    };
    const bulk = Array.from({ length: 6 }, (_, i) => pacer.run('a', { deadline: later(), what: 'x' }, job(`a${i}`)));
    const single = pacer.run('b', { deadline: later(), what: 'x' }, job('b0'));
    await Promise.all([...bulk, single]);
    expect(order).toEqual(['a0', 'b0', 'a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('never more than the per-namespace limit out for one namespace, whatever the overall limit', async () => {
    const pacer = new NamespacePacer({ maxInFlight: 10, perNamespaceInFlight: 3 });
    let out = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        pacer.run('a', { deadline: later(), what: 'x' }, async () => {
          most = Math.max(most, ++out);
          await tick(5);
          out--;
        }),
      ),
    );
    expect(most).toBe(3);
  });

  it('spaces a namespace’s calls to its request rate and byte rate', async () => {
    const pacer = new NamespacePacer({ requestsPerSecond: 40 });
    const started = Date.now();
    const at: number[] = [];
    await Promise.all(Array.from({ length: 50 }, () => pacer.run('a', { deadline: later(), what: 'x' }, async () => void at.push(Date.now() - started))));
    // 40 at once (a second's worth), the next 10 at 25 ms intervals.
    expect(at.filter((t) => t < 20)).toHaveLength(40);
    expect(Math.max(...at)).toBeGreaterThanOrEqual(200);
    const bytes = new NamespacePacer({ bytesPerSecond: 1000 });
    const t0 = Date.now();
    await Promise.all([0, 1, 2].map(() => bytes.run('b', { bytes: 500, deadline: later(), what: 'x' }, async () => undefined)));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    // Another namespace has its own buckets.
    const t1 = Date.now();
    await bytes.run('c', { bytes: 500, deadline: later(), what: 'x' }, async () => undefined);
    expect(Date.now() - t1).toBeLessThan(50);
  });

  it('a call still waiting at its deadline is refused (503), not sent late', async () => {
    const pacer = new NamespacePacer({ maxInFlight: 1 });
    const slow = pacer.run('a', { deadline: later(), what: 'the first' }, () => tick(150));
    const late = pacer.run('a', { deadline: later(40), what: 'an upsert of 3 record(s)' }, async () => 'sent');
    await expect(late).rejects.toBeInstanceOf(PacingTimeoutError);
    await expect(late).rejects.toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    await slow;
  });
});

describe('upsert batches', () => {
  const body = (records: VectorRecord[]) => Buffer.byteLength(JSON.stringify({ vectors: records, namespace: `ws_x/${'n'.repeat(400)}` }));

  it('hold at most 1,000 records and at most 2 MB of the JSON the SDK sends, in order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.string({ minLength: 1, maxLength: 64 }),
            dim: fc.constantFrom(8, 384, 1536),
            meta: fc.nat({ max: 30_000 }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        (specs) => {
          const records: VectorRecord[] = specs.map((s, i) => ({
            id: `${s.id}-${i}`,
            values: Array.from({ length: s.dim }, (_, j) => Math.sin(i * 7 + j) / 3),
            ...(s.meta ? { metadata: { text: 'é'.repeat(s.meta / 2) } } : {}),
          }));
          const batches = toBatches(records);
          expect(batches.flatMap((b) => b.records)).toEqual(records);
          for (const b of batches) {
            expect(b.records.length).toBeLessThanOrEqual(LIMITS.upsertBatchRecords);
            expect(body(b.records)).toBeLessThanOrEqual(LIMITS.upsertBatchBytes);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('split by count when records are small', () => {
    const records = Array.from({ length: 2500 }, (_, i) => ({ id: `r${i}`, values: [1, 2, 3] }));
    expect(toBatches(records).map((b) => b.records.length)).toEqual([1000, 1000, 500]);
  });
});

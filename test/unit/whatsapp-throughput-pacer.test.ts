/**
 * The shared throughput budget of a phone number: time-slot leases with an atomic counter. Every sender
 * gets its own position, positions are 1/mps apart, none is handed out in the past, none after the
 * deadline — however many senders lease at once.
 */
import { MemoryTable } from '../../shared/storage/memory-table';
import { slotShape, ThroughputExhaustedError, ThroughputPacer } from '../../shared/whatsapp/throughput-pacer';

describe('ThroughputPacer', () => {
  it('sizes slots so the rate is exact: 80 mps → slots of 20 sends, 250 ms', () => {
    expect(slotShape(80)).toEqual({ capacity: 20, slotMs: 250, intervalMs: 12.5 });
    expect(slotShape(1000)).toMatchObject({ capacity: 250, slotMs: 250 });
    expect(slotShape(5)).toMatchObject({ capacity: 1, slotMs: 200 });
    expect(() => slotShape(0)).toThrow(/positive/);
  });

  it('gives concurrent senders distinct positions exactly 1/mps apart across slots', async () => {
    const table = new MemoryTable('numbers');
    let now = 1_800_000_000_000; // a slot boundary
    const clock = () => now;
    const senders = [new ThroughputPacer(table, { clock }), new ThroughputPacer(table, { clock })];
    const leases = await Promise.all(Array.from({ length: 100 }, (_, i) => senders[i % 2]!.lease('106540352242922', 80, now + 60_000)));
    const instants = leases.map((l) => l.at).sort((a, b) => a - b);
    expect(new Set(instants).size).toBe(100);
    instants.forEach((at, i) => expect(at).toBe(now + i * 12.5));
    expect(new Set(leases.map((l) => l.slot)).size).toBe(5);
    // Another number has its own budget.
    expect((await senders[0]!.lease('106540352242999', 80, now + 1000)).at).toBe(now);
    now += 10_000;
    expect((await senders[1]!.lease('106540352242922', 80, now + 1000)).at).toBe(now);
  });

  it('never hands out a position in the past when a slot is first used late', async () => {
    const table = new MemoryTable('numbers');
    const slotStart = 1_800_000_000_000;
    let now = slotStart + 100; // 100 ms into a 250 ms slot: positions 0–7 are past
    const pacer = new ThroughputPacer(table, { clock: () => now });
    const first = await pacer.lease('106540352242922', 80, now + 5000);
    expect(first.at).toBeGreaterThanOrEqual(now);
    expect(first.at - now).toBeLessThan(12.5);
    expect(first.writes).toBe(2);
    const second = await pacer.lease('106540352242922', 80, now + 5000);
    expect(second.at - first.at).toBe(12.5);
    expect(second.writes).toBe(1);
    now = slotStart + 249; // the rest of this slot is past: the next one starts at once
    expect((await pacer.lease('106540352242922', 80, now + 5000)).at).toBe(slotStart + 250);
  });

  it('refuses a position after the deadline (503 with Retry-After) instead of waiting past it', async () => {
    const table = new MemoryTable('numbers');
    const now = 1_800_000_000_000;
    const pacer = new ThroughputPacer(table, { clock: () => now });
    for (let i = 0; i < 10; i++) await pacer.lease('106540352242922', 10, now + 5000); // 1 s of budget at 10 mps
    const error = await pacer.lease('106540352242922', 10, now + 500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThroughputExhaustedError);
    expect(error).toMatchObject({ status: 503, code: 'whatsapp_throughput_exhausted', headers: { 'retry-after': '1' } });
  });

  it('waits for the leased instant before answering (acquire)', async () => {
    const pacer = new ThroughputPacer(new MemoryTable('numbers'));
    const started = Date.now();
    for (let i = 0; i < 6; i++) await pacer.acquire('106540352242922', 50, Date.now() + 5000);
    // Six sends at 50 mps span at least five intervals of 20 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});

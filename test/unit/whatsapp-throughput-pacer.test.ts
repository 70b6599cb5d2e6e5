/**
 * The shared throughput budget of a phone number: time-slot leases with an atomic counter. Every sender
 * gets its own positions, positions are 1/mps apart, none is handed out in the past, none after the
 * deadline — however many senders lease at once.
 */
import { MemoryTable } from '../../shared/storage/memory-table';
import { slotShape, ThroughputExhaustedError, ThroughputPacer } from '../../shared/whatsapp/throughput-pacer';

const PHONE = '106540352242922';

describe('ThroughputPacer', () => {
  it('sizes slots so the rate is exact: 80 mps → slots of 20 sends, 250 ms', () => {
    expect(slotShape(80)).toEqual({ capacity: 20, slotMs: 250, intervalMs: 12.5 });
    expect(slotShape(1000)).toMatchObject({ capacity: 250, slotMs: 250 });
    expect(slotShape(5)).toMatchObject({ capacity: 1, slotMs: 200 });
    expect(() => slotShape(0)).toThrow(/positive/);
  });

  it('gives concurrent senders distinct positions, 1/mps apart, leasing a block per write', async () => {
    const table = new MemoryTable('numbers');
    let now = 1_800_000_000_000; // a slot boundary
    const clock = () => now;
    const senders = [new ThroughputPacer(table, { clock, lateToleranceMs: 0 }), new ThroughputPacer(table, { clock, lateToleranceMs: 0 })];
    // Two senders at the same time, each asking for its next position as soon as it has one (quick sends).
    const leases = (await Promise.all(senders.map(async (sender) => {
      const mine = [];
      for (let i = 0; i < 50; i++) mine.push(await sender.lease(PHONE, 80, now + 60_000));
      return mine;
    }))).flat();
    const instants = leases.map((l) => l.at).sort((a, b) => a - b);
    expect(new Set(instants).size).toBe(100);
    instants.slice(1).forEach((at, i) => expect((at - instants[i]!) % 12.5 === 0 && at - instants[i]! >= 12.5).toBe(true));
    // The first claim aims where the clock will be when its write lands (about 10 ms on).
    expect(instants[0]! - now).toBeGreaterThanOrEqual(0);
    expect(instants[0]! - now).toBeLessThanOrEqual(12.5);
    // Blocks of 4 (50 ms at 80 msg/s): positions left in a sender's block at the end are the only gaps.
    expect(instants.at(-1)! - now).toBeLessThanOrEqual((100 + 2 * 4) * 12.5);
    // About a write per block of 4: plus refused writes at full slots (5 slots), each sender's first lease
    // (one position: nothing is known yet of how fast it sends) and the write that finds the counter ahead.
    expect(senders[0]!.stats.writes + senders[1]!.stats.writes).toBeLessThanOrEqual(45);
    // Another number has its own budget; later, the present is where leasing starts again.
    expect((await senders[0]!.lease('106540352242999', 80, now + 1000)).at - now).toBeLessThanOrEqual(12.5);
    now += 10_000;
    const later = (await new ThroughputPacer(table, { clock, lateToleranceMs: 0 }).lease(PHONE, 80, now + 1000)).at;
    expect(later >= now && later - now <= 12.5).toBe(true);
  });

  it('never hands out a position in the past when a slot is first used late, nor after a pause', async () => {
    const table = new MemoryTable('numbers');
    const slotStart = 1_800_000_000_000;
    let now = slotStart + 100; // 100 ms into a 250 ms slot: positions 0–7 are past
    const pacer = new ThroughputPacer(table, { clock: () => now });
    const first = await pacer.lease(PHONE, 80, now + 5000);
    expect(first.at).toBeGreaterThanOrEqual(now);
    expect(first.at - now).toBeLessThanOrEqual(12.5);
    const second = await pacer.lease(PHONE, 80, now + 5000);
    expect(second.at - first.at).toBe(12.5);
    now = slotStart + 249; // the rest of this slot is past: the next one is used, from where the write lands
    const other = new ThroughputPacer(table, { clock: () => now });
    const next = (await other.lease(PHONE, 80, now + 5000)).at;
    expect(next >= slotStart + 250 && next <= slotStart + 262.5).toBe(true);
    now += 5000; // a pause: no burst of positions from the last 50 ms, the schedule starts again from now
    const after = await other.lease(PHONE, 80, now + 5000);
    expect(after.at).toBeGreaterThanOrEqual(now);
  });

  it('lets a sender held up for a moment keep its place (50 ms by default), never longer', async () => {
    const table = new MemoryTable('numbers');
    let now = 1_800_000_000_000;
    const pacer = new ThroughputPacer(table, { clock: () => now });
    // A quick sender (asks again at once): it leases blocks of 4 and holds the next positions.
    const held = [await pacer.lease(PHONE, 80, now + 5000), await pacer.lease(PHONE, 80, now + 5000)];
    const next = held[1]!.at + 12.5;
    // Held up 30 ms past its next position: still its own.
    now = next + 30;
    expect((await pacer.lease(PHONE, 80, now + 5000)).at).toBe(next);
    // Held up 80 ms: positions more than 50 ms past are gone; what it gets is at most 50 ms late.
    now += 80;
    const late = await pacer.lease(PHONE, 80, now + 5000);
    expect(now - late.at).toBeLessThanOrEqual(50);
    expect(pacer.stats.dropped).toBeGreaterThan(0);
  });

  it('leases one position at a time for a sender whose sends take longer than the interval, so none is wasted', async () => {
    const table = new MemoryTable('numbers');
    let now = 1_800_000_000_000;
    const slow = new ThroughputPacer(table, { clock: () => now, lateToleranceMs: 0 });
    const fast = new ThroughputPacer(table, { clock: () => now, lateToleranceMs: 0 });
    const slowAt: number[] = [];
    for (let i = 0; i < 10; i++) {
      const lease = await slow.lease(PHONE, 80, now + 60_000);
      slowAt.push(lease.at);
      now = Math.max(now, lease.at) + 200; // Meta takes 200 ms to answer this sender
      await fast.lease(PHONE, 80, now + 60_000); // another sender, quick, uses what the slow one leaves
    }
    expect(slow.stats.dropped).toBe(0);
    expect(slow.stats.leased).toBeLessThanOrEqual(11); // one per send (and one block-less lease ahead at most)
    // Its positions follow the present, not a block reserved 200 ms earlier.
    slowAt.slice(1).forEach((at, i) => expect(at - slowAt[i]!).toBeGreaterThanOrEqual(200));
  });

  it('refuses a position after the deadline (503 with Retry-After) instead of waiting past it', async () => {
    const table = new MemoryTable('numbers');
    const now = 1_800_000_000_000;
    const pacer = new ThroughputPacer(table, { clock: () => now });
    for (let i = 0; i < 10; i++) await pacer.lease(PHONE, 10, now + 5000); // 1 s of budget at 10 mps
    const error = await pacer.lease(PHONE, 10, now + 500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThroughputExhaustedError);
    expect(error).toMatchObject({ status: 503, code: 'whatsapp_throughput_exhausted', headers: { 'retry-after': '1' } });
  });

  it('waits for the leased instant before answering (acquire)', async () => {
    const pacer = new ThroughputPacer(new MemoryTable('numbers'), { lateToleranceMs: 0 });
    const started = Date.now();
    for (let i = 0; i < 6; i++) await pacer.acquire(PHONE, 50, Date.now() + 5000);
    // Six sends at 50 mps span at least five intervals of 20 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});

/** The embedded bus of `npm run dev`: topics as JSON-lines files, read back whole or since an instant. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedEventBus } from '../../shared/events/embedded-bus';

describe('embedded event bus', () => {
  it('reads a topic back in order, whole or only what was written since an instant', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ionflux-bus-'));
    let now = 1_000;
    const bus = new EmbeddedEventBus(dir, () => now);
    const message = (n: number) => ({ topic: 'ionflux.test.embedded', key: `k${n}`, value: JSON.stringify({ n }), headers: { event_type: 'test.happened' } });
    await bus.publish([message(1), message(2)]);
    now = 2_000;
    await bus.publish([message(3)]);

    expect((await bus.readAll('ionflux.test.embedded')).map((r) => [r.offset, r.value, r.timestamp])).toEqual([
      ['0', '{"n":1}', 1_000],
      ['1', '{"n":2}', 1_000],
      ['2', '{"n":3}', 2_000],
    ]);
    expect((await bus.readAll('ionflux.test.embedded', { since: 1_500 })).map((r) => r.value)).toEqual(['{"n":3}']);
    expect(await bus.readAll('ionflux.test.embedded', { since: 2_001 })).toEqual([]);
    expect(await bus.readAll('ionflux.test.missing', { since: 0 })).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes nothing of a batch with an invalid topic name', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ionflux-bus-'));
    const bus = new EmbeddedEventBus(dir);
    const good = { topic: 'ionflux.test.good', key: null, value: '{}', headers: {} };
    await expect(bus.publish([good, { ...good, topic: 'bad topic!' }])).rejects.toThrow(/bad topic!/);
    expect(await bus.readAll('ionflux.test.good')).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('sleep', () => {
  it('resolves after its time or at once when aborted, and leaves no abort listener behind', async () => {
    const { sleep } = await import('../../shared/timing');
    const { EventEmitter } = await import('node:events');
    const getEventListeners = (target: EventTarget, name: string) => EventEmitter.getEventListeners(target, name);
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await waiting;
    const started = Date.now();
    await sleep(60_000, controller.signal); // already aborted
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

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
});

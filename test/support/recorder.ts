/**
 * The test-only Kafka-triggered function (test/fixtures/functions/record-events.ts) and helpers to read
 * what it recorded: used to watch the local runtime deliver MSK batches.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FunctionSpec } from '../../functions/manifest-types';

export interface Recorder {
  spec: FunctionSpec;
  dir: string;
  file: string;
  /** Every line recorded so far. */
  lines(file?: string): any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A recorder subscribed to `topic` (event type test.order.created); sets RECORD_EVENTS_FILE. */
export function eventRecorder(topic: string): Recorder {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recorder-'));
  const file = path.join(dir, 'events.jsonl');
  process.env.RECORD_EVENTS_FILE = file;
  return {
    dir,
    file,
    spec: {
      id: 'test-record-events',
      entry: 'test/fixtures/functions/record-events.ts',
      description: 'records events',
      trigger: { kafka: { topics: [topic], eventTypes: ['test.order.created'] } },
      memoryMb: 128,
      timeoutS: 10,
      needs: [],
    },
    lines: (f = file) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
  };
}

/** Polls `probe` until it returns something truthy. */
export async function until<T>(probe: () => T | undefined | false, timeoutMs = 30_000, describe: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

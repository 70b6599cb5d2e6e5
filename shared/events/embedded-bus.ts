/**
 * The embedded event bus of `npm run dev`: each topic is a JSON-lines file under
 * IONFLUX_HOME/topics/<topic>.jsonl (one partition; offset = line number). Appends are single writes
 * with O_APPEND, so the local runtime and the CLI can both publish; readers poll the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../timing';
import type { BusMessage, BusRecord, EventBus, EventLog, ReadOptions } from './event-bus';
import { validateTopicName } from './topics';

interface StoredLine {
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  value: unknown;
  value_encoding: 'json' | 'string';
}

export class EmbeddedEventBus implements EventBus, EventLog {
  constructor(
    readonly dir: string,
    private readonly clock: () => number = Date.now,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  fileOf(topic: string): string {
    return path.join(this.dir, `${validateTopicName(topic)}.jsonl`);
  }

  async publish(messages: BusMessage[]): Promise<void> {
    // Every topic name is checked before anything is written: a bad one must not leave half a batch.
    for (const m of messages) validateTopicName(m.topic);
    const byTopic = new Map<string, string[]>();
    for (const m of messages) {
      let value: unknown = m.value;
      let encoding: StoredLine['value_encoding'] = 'string';
      try {
        value = JSON.parse(m.value);
        encoding = 'json';
      } catch {
        /* kept as a string */
      }
      const line: StoredLine = { timestamp: this.clock(), key: m.key, headers: m.headers, value, value_encoding: encoding };
      byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), `${JSON.stringify(line)}\n`]);
    }
    for (const [topic, lines] of byTopic) fs.appendFileSync(this.fileOf(topic), lines.join(''));
  }

  /** Records from line `fromOffset` on, and the byte position after the last complete line. */
  readFrom(topic: string, fromOffset = 0): BusRecord[] {
    let text: string;
    try {
      text = fs.readFileSync(this.fileOf(topic), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const lines = text.split('\n');
    lines.pop(); // the part after the last newline is incomplete (or empty)
    const records: BusRecord[] = [];
    for (let offset = fromOffset; offset < lines.length; offset++) {
      const line = JSON.parse(lines[offset]!) as StoredLine;
      records.push({
        topic,
        partition: 0,
        offset: String(offset),
        timestamp: line.timestamp,
        key: line.key,
        headers: line.headers,
        value: line.value_encoding === 'json' ? JSON.stringify(line.value) : String(line.value),
      });
    }
    return records;
  }

  async readAll(topic: string, options: ReadOptions = {}): Promise<BusRecord[]> {
    const records = this.readFrom(topic, 0);
    const { since } = options;
    return since === undefined ? records : records.filter((r) => r.timestamp >= since);
  }

  async follow(
    topic: string,
    onRecord: (record: BusRecord) => void | Promise<void>,
    options: { signal: AbortSignal; fromBeginning?: boolean },
  ): Promise<void> {
    let next = options.fromBeginning ? 0 : this.readFrom(topic, 0).length;
    while (!options.signal.aborted) {
      for (const record of this.readFrom(topic, next)) {
        await onRecord(record);
        next = Number(record.offset) + 1;
      }
      await sleep(200, options.signal);
    }
  }

  /** Topics that have at least one record. */
  async topics(): Promise<string[]> {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => f.slice(0, -'.jsonl'.length))
      .sort();
  }

  async close(): Promise<void> {}
}

import { parseArgs } from 'node:util';
import type { BusRecord } from '../../shared/events/event-bus';
import { validateTopicName } from '../../shared/events/topics';
import { eventBus } from '../../shared/runtime/events';
import { type CliIo, type Command, UsageError } from '../command';

function line(record: BusRecord, asJson: boolean): string {
  if (asJson) {
    try {
      return JSON.stringify(JSON.parse(record.value));
    } catch {
      return JSON.stringify(record.value);
    }
  }
  let summary = record.value;
  try {
    const event = JSON.parse(record.value) as { event_type?: string; event_id?: string; workspace_id?: string; timestamp?: string };
    summary = `${event.timestamp ?? ''}  ${event.event_type ?? '?'}  ws=${event.workspace_id ?? '?'}  id=${event.event_id ?? '?'}`;
  } catch {
    /* not JSON: print as is */
  }
  return `${record.partition}:${record.offset}  key=${record.key ?? '-'}  ${summary}`;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO 8601 instant, or an age such as 30s, 15m, 2h, 7d. */
export function parseSince(value: string, now = Date.now()): number {
  const age = /^(\d+)([smhd])$/.exec(value.trim());
  if (age) return now - Number(age[1]) * UNIT_MS[age[2]!]!;
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`--since "${value}" is neither an ISO 8601 time (2026-11-25T14:00:00Z) nor an age (30s, 15m, 2h, 7d)`);
  return at;
}

/** A topic that does not exist: said so, with the existing topics that look most like it. */
async function missingTopic(topic: string, io: CliIo): Promise<number> {
  const existing = await eventBus().topics();
  const parts = topic.split('.');
  const shared = (t: string) => {
    const other = t.split('.');
    let n = 0;
    while (n < parts.length && parts[n] === other[n]) n++;
    return n;
  };
  const best = Math.max(0, ...existing.map(shared));
  const alike = best >= 2 ? existing.filter((t) => shared(t) === best).slice(0, 10) : [];
  io.err(`topic ${topic} does not exist${alike.length ? `; topics like it: ${alike.join(', ')}` : existing.length ? ` (${existing.length} topics exist)` : ' (no topic exists yet)'}`);
  return 1;
}

const readOptions = { json: { type: 'boolean', default: false }, since: { type: 'string' } } as const;
const tailOptions = { json: { type: 'boolean', default: false }, 'from-beginning': { type: 'boolean', default: false } } as const;

export const eventsRead: Command = {
  path: ['events', 'read'],
  usage: 'ionflux events read <topic> [--json] [--since <ISO time | 15m | 2h | 7d>]',
  summary: 'print every event in a topic (or those written since a time; one JSON line each with --json), then exit',
  options: readOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: readOptions, allowPositionals: true });
    const [topic, ...rest] = positionals;
    if (!topic || rest.length) throw new UsageError(this.usage);
    const options = values.since === undefined ? {} : { since: parseSince(values.since) };
    const name = validateTopicName(topic);
    const records = await eventBus().readAll(name, options);
    if (!records.length) {
      if (!(await eventBus().topics()).includes(name)) return missingTopic(name, io);
      if (!values.json) io.out(`none${values.since === undefined ? '' : ` since ${values.since}`}`);
    }
    for (const record of records) io.out(line(record, Boolean(values.json)));
    return 0;
  },
};

export const eventsTail: Command = {
  path: ['events', 'tail'],
  usage: 'ionflux events tail <topic> [--json] [--from-beginning]',
  summary: 'follow a topic and print events as they arrive (Ctrl-C to stop)',
  options: tailOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: tailOptions, allowPositionals: true });
    const [topic, ...rest] = positionals;
    if (!topic || rest.length) throw new UsageError(this.usage);
    const name = validateTopicName(topic);
    if (!(await eventBus().topics()).includes(name)) io.err(`topic ${name} does not exist yet; waiting for its first event`);
    const controller = new AbortController();
    if (io.signal) io.signal.addEventListener('abort', () => controller.abort(), { once: true });
    else {
      process.on('SIGINT', () => controller.abort());
      process.on('SIGTERM', () => controller.abort());
    }
    await eventBus().follow(name, (record) => io.out(line(record, Boolean(values.json))), {
      signal: controller.signal,
      fromBeginning: Boolean(values['from-beginning']),
    });
  },
};

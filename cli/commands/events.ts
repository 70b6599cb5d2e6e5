import { parseArgs } from 'node:util';
import type { BusRecord } from '../../shared/events/event-bus';
import { validateTopicName } from '../../shared/events/topics';
import { eventBus } from '../../shared/runtime/events';
import { type Command, UsageError } from '../command';

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

export const eventsRead: Command = {
  path: ['events', 'read'],
  usage: 'ionflux events read <topic> [--json] [--since <ISO time | 15m | 2h | 7d>]',
  summary: 'print every event in a topic (or those written since a time; one JSON line each with --json), then exit',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false }, since: { type: 'string' } }, allowPositionals: true });
    const [topic, ...rest] = positionals;
    if (!topic || rest.length) throw new UsageError(this.usage);
    const options = values.since === undefined ? {} : { since: parseSince(values.since) };
    for (const record of await eventBus().readAll(validateTopicName(topic), options)) io.out(line(record, Boolean(values.json)));
  },
};

export const eventsTail: Command = {
  path: ['events', 'tail'],
  usage: 'ionflux events tail <topic> [--json] [--from-beginning]',
  summary: 'follow a topic and print events as they arrive (Ctrl-C to stop)',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, 'from-beginning': { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    const [topic, ...rest] = positionals;
    if (!topic || rest.length) throw new UsageError(this.usage);
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    await eventBus().follow(validateTopicName(topic), (record) => io.out(line(record, Boolean(values.json))), {
      signal: controller.signal,
      fromBeginning: Boolean(values['from-beginning']),
    });
  },
};

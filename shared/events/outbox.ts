/**
 * The durable outbox: when Kafka cannot take events in time, they are written to a queue (SQS; the
 * embedded queue locally) as one envelope, and the `outbox-drain` function republishes them. Large
 * envelopes are gzipped so a multi-megabyte webhook still fits an SQS message.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { IonfluxError } from '../errors';
import type { Queue } from '../queues/queue';
import type { BusMessage } from './event-bus';

export interface OutboxEnvelope {
  version: 1;
  enqueued_at: string;
  reason: string;
  messages: BusMessage[];
}

/** SQS's classic message limit; kept as the ceiling so any queue configuration accepts the envelope. */
export const OUTBOX_MAX_BYTES = 256 * 1024;
const GZIP_ABOVE_BYTES = 64 * 1024;

export class OutboxEnvelopeTooLargeError extends IonfluxError {
  constructor(bytes: number) {
    super('outbox_envelope_too_large', `events are ${bytes} bytes even compressed; the outbox limit is ${OUTBOX_MAX_BYTES}`, {
      status: 503,
      details: { bytes, limit: OUTBOX_MAX_BYTES },
    });
  }
}

export class MalformedOutboxMessageError extends IonfluxError {
  constructor(problem: string) {
    super('malformed_outbox_message', `outbox message is malformed: ${problem}`, { status: 400 });
  }
}

/** SQS counts message attributes (name, type, value) in the message size. */
const attributeBytes = (attributes: Record<string, string>) => Object.entries(attributes).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 'String'.length + Buffer.byteLength(v), 0);

/**
 * A JSON value as an SQS message body: plain JSON up to 64 KB, gzip + base64 above (attribute `encoding`
 * says which). `fits` is false when even compressed it exceeds the 256 KB limit (`bytes` is its size).
 */
export function encodeJsonMessage(value: unknown): { body: string; attributes: Record<string, string>; bytes: number; fits: boolean } {
  // SQS refuses U+FFFE and U+FFFF in a message; JSON.stringify leaves them as they are (only inside strings,
  // so an escape keeps the meaning).
  const json = JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  if (Buffer.byteLength(json) <= GZIP_ABOVE_BYTES) return { body: json, attributes: { encoding: 'json' }, bytes: Buffer.byteLength(json), fits: true };
  const body = gzipSync(json).toString('base64');
  const attributes = { encoding: 'gzip+base64' };
  const bytes = body.length + attributeBytes(attributes);
  return { body, attributes, bytes, fits: bytes <= OUTBOX_MAX_BYTES };
}

/** The JSON text of a message written by `encodeJsonMessage`; throws `malformed(problem)` when it cannot be read. */
export function decodeJsonMessage(body: string, encoding: string | undefined, malformed: (problem: string) => Error): unknown {
  let json: string;
  try {
    json = encoding === 'gzip+base64' ? gunzipSync(Buffer.from(body, 'base64')).toString('utf8') : body;
  } catch (error) {
    throw malformed(`cannot decompress (${(error as Error).message})`);
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw malformed('not JSON');
  }
}

export function encodeEnvelope(envelope: OutboxEnvelope): { body: string; attributes: Record<string, string> } {
  const { body, attributes, bytes, fits } = encodeJsonMessage(envelope);
  if (!fits) throw new OutboxEnvelopeTooLargeError(bytes);
  return { body, attributes };
}

export function decodeEnvelope(body: string, encoding: string | undefined): OutboxEnvelope {
  const envelope = decodeJsonMessage(body, encoding, (problem) => new MalformedOutboxMessageError(problem)) as OutboxEnvelope;
  if (envelope?.version !== 1 || !Array.isArray(envelope.messages)) throw new MalformedOutboxMessageError('unknown envelope version');
  for (const m of envelope.messages) {
    if (typeof m?.topic !== 'string' || typeof m.value !== 'string') throw new MalformedOutboxMessageError('a message has no topic or value');
  }
  return envelope;
}

export class Outbox {
  constructor(readonly queue: Queue) {}

  async put(messages: BusMessage[], reason: string): Promise<void> {
    const { body, attributes } = encodeEnvelope({ version: 1, enqueued_at: new Date().toISOString(), reason, messages });
    await this.queue.send(body, attributes);
  }
}

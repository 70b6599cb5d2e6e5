/**
 * `mskConsumer(fn)`: the adapter between an MSK event source and a PlatformEvent handler. It decodes each
 * record (base64 key/value, byte-array headers), validates the PlatformEvent, and calls `fn` record by
 * record in partition order. When a record fails, the rest of its partition waits (order is kept) and
 * the failure is reported as a partial batch failure so Lambda retries from that record; other
 * partitions go on. Records that are not PlatformEvents can never succeed: they are logged and skipped.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { errorMessage } from '../errors';
import { logger } from '../observability/logger';
import { withinDeadline } from '../timing';
import { decodeHeaders, itemIdentifier, type KafkaBatchItemFailure, type KafkaBatchResponse, type MskEvent, type MskRecord } from './msk-event';
import type { PlatformEvent } from './platform-event';
import { validatePlatformEvent } from './platform-event-schema';

export interface ConsumedEvent {
  event: PlatformEvent;
  /** The record's value as read: the event's JSON text. */
  value: string;
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  headers: Record<string, string>;
  timestamp: number;
}

export type ConsumedEventHandler = (consumed: ConsumedEvent, context: { deadline: number; lambda: Context }) => Promise<void>;

export interface MskConsumerOptions {
  /** Only these event types reach `fn` (the others are acknowledged); mirrors the event-source filter. */
  eventTypes?: string[];
  /**
   * Handle the partitions of a batch one after the other instead of concurrently (default false):
   * for consumers whose writes all land on a few hot items, where concurrency only adds conflicts.
   */
  sequentialPartitions?: boolean;
}

const MARGIN_MS = 1000;

export function decodeRecord(record: MskRecord): ConsumedEvent {
  const value = record.value ? Buffer.from(record.value, 'base64').toString('utf8') : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error('record value is not JSON');
  }
  return {
    event: validatePlatformEvent(parsed),
    value,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key ? Buffer.from(record.key, 'base64').toString('utf8') : null,
    headers: decodeHeaders(record.headers),
    timestamp: record.timestamp,
  };
}

export async function consumeBatch(
  event: MskEvent,
  fn: ConsumedEventHandler,
  context: { deadline: number; lambda: Context },
  options: MskConsumerOptions = {},
): Promise<KafkaBatchResponse> {
  const failures: KafkaBatchItemFailure[] = [];
  const wanted = options.eventTypes ? new Set(options.eventTypes) : undefined;
  const partition = async (records: MskRecord[]) => {
    const ordered = [...records].sort((a, b) => a.offset - b.offset);
    for (const record of ordered) {
      if (Date.now() >= context.deadline) {
        failures.push({ itemIdentifier: itemIdentifier(record) });
        return;
      }
      let consumed: ConsumedEvent;
      try {
        consumed = decodeRecord(record);
      } catch (error) {
        logger.error('skipping a record that is not a valid PlatformEvent', {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          error: errorMessage(error),
        });
        continue;
      }
      if (wanted && !wanted.has(consumed.event.event_type)) continue;
      try {
        await fn(consumed, context);
      } catch (error) {
        logger.warn('record failed; its partition will be retried from it', {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          event_id: consumed.event.event_id,
          error: errorMessage(error),
        });
        failures.push({ itemIdentifier: itemIdentifier(record) });
        return;
      }
    }
  };
  const partitions = Object.values(event.records ?? {});
  if (options.sequentialPartitions) for (const records of partitions) await partition(records);
  else await Promise.all(partitions.map(partition));
  return { batchItemFailures: failures };
}

/**
 * A batch at once: every valid record of the MSK batch goes to `fn` (records that are not PlatformEvents
 * are logged and skipped, as by `consumeBatch`), which returns those it could not process. Each partition
 * is reported failed from its first such record, so the event source retries from there (records after
 * it that did succeed come again: handlers must tolerate redelivery, as with any Kafka consumer).
 */
export async function consumeWholeBatch(
  event: MskEvent,
  fn: (records: ConsumedEvent[], context: { deadline: number; lambda: Context }) => Promise<ConsumedEvent[]>,
  context: { deadline: number; lambda: Context },
): Promise<KafkaBatchResponse> {
  const consumed: ConsumedEvent[] = [];
  for (const records of Object.values(event.records ?? {})) {
    for (const record of [...records].sort((a, b) => a.offset - b.offset)) {
      try {
        consumed.push(decodeRecord(record));
      } catch (error) {
        logger.error('skipping a record that is not a valid PlatformEvent', { topic: record.topic, partition: record.partition, offset: record.offset, error: errorMessage(error) });
      }
    }
  }
  const failed = consumed.length ? await fn(consumed, context) : [];
  const lowest = new Map<string, ConsumedEvent>();
  for (const c of failed) {
    const key = `${c.topic}-${c.partition}`;
    const seen = lowest.get(key);
    if (!seen || c.offset < seen.offset) lowest.set(key, c);
  }
  return { batchItemFailures: [...lowest.values()].map((c) => ({ itemIdentifier: itemIdentifier(c) })) };
}

/** The Middy stack of a whole-batch MSK consumer (see consumeWholeBatch). */
export function mskBatchConsumer(fn: (records: ConsumedEvent[], context: { deadline: number; lambda: Context }) => Promise<ConsumedEvent[]>) {
  return middy<MskEvent, KafkaBatchResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, lambda) => {
      const remaining = typeof lambda.getRemainingTimeInMillis === 'function' ? lambda.getRemainingTimeInMillis() : 30_000;
      return consumeWholeBatch(event, fn, { deadline: Date.now() + Math.max(0, remaining - MARGIN_MS), lambda });
    });
}

export function mskConsumer(fn: ConsumedEventHandler, options: MskConsumerOptions = {}) {
  return middy<MskEvent, KafkaBatchResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, lambda) => {
      const remaining = typeof lambda.getRemainingTimeInMillis === 'function' ? lambda.getRemainingTimeInMillis() : 30_000;
      // AWS calls are aborted at the deadline: the record in flight fails and is reported, in partition order.
      return withinDeadline(Date.now() + Math.max(0, remaining - MARGIN_MS), (deadline) => consumeBatch(event, fn, { deadline, lambda }, options), { backstop: false });
    });
}

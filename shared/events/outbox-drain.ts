/**
 * Draining the outbox: each message is one envelope of bus messages; all of them go to Kafka or the
 * message is reported failed (SQS redelivers it, and after maxReceiveCount moves it to the DLQ; the
 * outbox's count is sized to ride out a Kafka outage of hours, see shared/config/resources.ts).
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import type { EventBus } from './event-bus';
import { decodeEnvelope, type OutboxEnvelope } from './outbox';

const log = moduleLogger('outbox-drain');

export interface OutboxRecord {
  messageId: string;
  body: string;
  encoding?: string;
  receiveCount?: number;
}

/**
 * Returns the ids of the records that were not delivered. When Kafka does not take an envelope (it
 * retried until the deadline), the rest of the batch is not tried: each would wait out the same outage,
 * and they come back after the visibility timeout anyway. A malformed envelope fails alone.
 */
export async function drainOutbox(records: OutboxRecord[], deps: { bus: EventBus; deadline: number }): Promise<string[]> {
  const failed: string[] = [];
  let kafkaDown: string | undefined;
  for (const record of records) {
    if (kafkaDown !== undefined || Date.now() >= deps.deadline) {
      failed.push(record.messageId);
      continue;
    }
    let envelope: OutboxEnvelope;
    try {
      envelope = decodeEnvelope(record.body, record.encoding);
    } catch (error) {
      log.error('outbox message is malformed; it will reach the DLQ', { message_id: record.messageId, receive_count: record.receiveCount, error: errorMessage(error) });
      failed.push(record.messageId);
      continue;
    }
    try {
      await deps.bus.publish(envelope.messages, { deadline: deps.deadline });
      log.info('outbox envelope delivered', { message_id: record.messageId, count: envelope.messages.length, enqueued_at: envelope.enqueued_at });
    } catch (error) {
      kafkaDown = errorMessage(error);
      failed.push(record.messageId);
    }
  }
  if (kafkaDown !== undefined) {
    log.warn('Kafka did not take the outbox envelopes; they will be retried', { not_delivered: failed.length, of: records.length, error: kafkaDown });
  }
  return failed;
}

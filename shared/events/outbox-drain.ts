/**
 * Draining the outbox: each message is one envelope of bus messages; all of them go to Kafka or the
 * message is reported failed (SQS redelivers it, and after maxReceiveCount moves it to the DLQ).
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import type { EventBus } from './event-bus';
import { decodeEnvelope } from './outbox';

const log = moduleLogger('outbox-drain');

export interface OutboxRecord {
  messageId: string;
  body: string;
  encoding?: string;
  receiveCount?: number;
}

/** Returns the ids of the records that were not delivered. */
export async function drainOutbox(records: OutboxRecord[], deps: { bus: EventBus; deadline: number }): Promise<string[]> {
  const failed: string[] = [];
  for (const record of records) {
    if (Date.now() >= deps.deadline) {
      failed.push(record.messageId);
      continue;
    }
    try {
      const envelope = decodeEnvelope(record.body, record.encoding);
      await deps.bus.publish(envelope.messages, { deadline: deps.deadline });
      log.info('outbox envelope delivered', { message_id: record.messageId, count: envelope.messages.length, enqueued_at: envelope.enqueued_at });
    } catch (error) {
      log.warn('outbox envelope not delivered; it will be retried', {
        message_id: record.messageId,
        receive_count: record.receiveCount,
        error: errorMessage(error),
      });
      failed.push(record.messageId);
    }
  }
  return failed;
}

/** SQS trigger on the outbox: republishes the events Kafka could not take when they were accepted. */
import { drainOutbox } from '../../shared/events/outbox-drain';
import { sqsHandler } from '../../shared/queues/sqs-handler';
import { eventBus } from '../../shared/runtime/event-bus';

export const handler = sqsHandler((records, deadline) =>
  drainOutbox(
    records.map((r) => ({
      messageId: r.messageId,
      body: r.body,
      encoding: r.messageAttributes?.encoding?.stringValue,
      receiveCount: Number(r.attributes?.ApproximateReceiveCount ?? 1),
    })),
    { bus: eventBus(), deadline },
  ),
);

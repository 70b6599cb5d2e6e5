/** Agent dispatch in tests: the real dispatcher handler fed MSK batches read back from the real Kafka, the retry worker fed real SQS batches. */
import type { SQSEvent } from 'aws-lambda';
import { buildMskEvent } from '../../shared/events/msk-event';
import type { KafkaBatchResponse } from '../../shared/events/msk-event';
import { eventBus } from '../../shared/runtime/events';
import { queue } from '../../shared/runtime/queues';
import { lambdaContext } from '../../local/lambda-context';
import { sqsEvent } from '../../local/aws-events';
import { dispatchTopics } from '../../shared/agents/trigger-topics';

type Handler = (event: never, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** Every record of the dispatcher's topics written since `since` for `workspaces`, as one MSK batch. */
export async function dispatcherBatch(since: number, workspaces: string[]) {
  const records = [];
  for (const topic of dispatchTopics()) {
    for (const r of await eventBus().readAll(topic, { since })) {
      if (!workspaces.includes((JSON.parse(r.value) as { workspace_id: string }).workspace_id)) continue;
      records.push({ topic: r.topic, partition: r.partition, offset: Number(r.offset), timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
    }
  }
  return buildMskEvent(records, { clusterArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/test/1', bootstrapServers: 'test' });
}

export async function runDispatcher(handler: Handler, since: number, workspaces: string[]): Promise<KafkaBatchResponse> {
  return (await handler((await dispatcherBatch(since, workspaces)) as never, lambdaContext('agents-dispatcher', 120))) as KafkaBatchResponse;
}

/** One receive of the retry queue handed to `handler` as Lambda does (deleting what did not fail); the number of messages. */
export async function runRetryWorkerOnce(handler: Handler): Promise<number> {
  const q = queue('agent-dispatch');
  const messages = await q.receive(10, 0);
  if (!messages.length) return 0;
  const event: SQSEvent = sqsEvent(q.name, messages);
  const response = (await handler(event as never, lambdaContext('agents-dispatch-retry', 60))) as { batchItemFailures: Array<{ itemIdentifier: string }> };
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  for (const m of messages) if (!failed.has(m.messageId)) await q.delete(m.receiptHandle);
  return messages.length;
}

/**
 * `sqs` entries locally: receive from the queue (embedded folder queue, or moto's SQS), invoke the
 * handler with a real SQS event, delete what succeeded and return what failed (partial batch
 * responses honoured), exactly as the Lambda SQS event source does.
 */
import type { FunctionSpec, SqsTrigger } from '../../functions/manifest-types';
import type { Queue } from '../../shared/queues/queue';
import { sqsEvent } from '../aws-events';
import { lambdaContext } from '../lambda-context';
import { pollLoop, type RunningTrigger, type TriggerDeps } from './trigger';

/** Failed messages become visible again after this long (AWS waits for the visibility timeout). */
const RETRY_DELAY_MS = 2000;

export async function deliverSqsBatch(spec: FunctionSpec & { trigger: SqsTrigger }, queue: Queue, deps: TriggerDeps, waitMs = 0): Promise<number> {
  const messages = await queue.receive(spec.trigger.sqs.batchSize ?? 10, waitMs);
  if (!messages.length) return 0;
  const handler = await deps.loadHandler(spec);
  let failed = new Set<string>();
  try {
    const response = (await handler(sqsEvent(queue.name, messages), lambdaContext(spec.id, spec.timeoutS, spec.memoryMb))) as
      | { batchItemFailures?: Array<{ itemIdentifier: string }> }
      | undefined;
    failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch (error) {
    deps.log(`${spec.id}: handler failed for the whole batch: ${error instanceof Error ? error.message : String(error)}`);
    failed = new Set(messages.map((m) => m.messageId));
  }
  for (const message of messages) {
    if (failed.has(message.messageId)) await queue.release(message.receiptHandle, RETRY_DELAY_MS);
    else await queue.delete(message.receiptHandle);
  }
  return messages.length;
}

export function startSqsTrigger(spec: FunctionSpec & { trigger: SqsTrigger }, queue: Queue, deps: TriggerDeps): RunningTrigger {
  const stop = pollLoop(async () => (await deliverSqsBatch(spec, queue, deps)) > 0, 500, deps.log, spec.id);
  return { spec, describe: `sqs ${queue.name}`, stop };
}

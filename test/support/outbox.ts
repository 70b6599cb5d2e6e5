/** Runs the real outbox-drain handler (through the local runtime's SQS trigger) until the outbox is empty. */
import { functionById } from '../../functions/manifest';
import type { FunctionSpec, SqsTrigger } from '../../functions/manifest-types';
import { loadHandler } from '../../local/handlers';
import { deliverSqsBatch } from '../../local/triggers/sqs';
import { queue } from '../../shared/runtime/queues';

export const outboxDrainSpec = functionById('outbox-drain') as FunctionSpec & { trigger: SqsTrigger };

export async function drainOutbox(maxBatches = 20): Promise<void> {
  for (let i = 0; i < maxBatches && (await queue('outbox').depth()) > 0; i++) {
    await deliverSqsBatch(outboxDrainSpec, queue('outbox'), { loadHandler, log: () => undefined }, 1000);
  }
}

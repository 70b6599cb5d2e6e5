/** Queues for this execution environment: SQS when AWS is enabled, else folders under IONFLUX_HOME/queues. */
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../aws/client-config';
import { config } from '../config/env';
import { physicalName, type QueueName, queues } from '../config/resources';
import { EmbeddedQueue } from '../queues/embedded-queue';
import type { Queue } from '../queues/queue';
import { SqsQueue } from '../queues/sqs-queue';
import { perEnvironment } from './per-environment';

/** The SQS client of this environment (made on first use; settings in shared/aws/client-config.ts). */
export const sqsClient = perEnvironment(
  () => new SQSClient(awsClientConfig(config())),
  (client) => client.destroy(),
);

const queueCache = perEnvironment(() => new Map<QueueName, Queue>());

export function queue(name: QueueName): Queue {
  const cache = queueCache();
  let q = cache.get(name);
  if (!q) {
    const cfg = config();
    const physical = physicalName(cfg.resourcePrefix, name);
    if (cfg.aws.enabled) {
      q = new SqsQueue(physical, sqsClient());
    } else {
      const spec = queues[name];
      const deadLetter = 'deadLetterQueue' in spec ? (queue(spec.deadLetterQueue as QueueName) as EmbeddedQueue) : undefined;
      q = new EmbeddedQueue(physical, path.join(cfg.home, 'queues', physical), {
        visibilityTimeoutMs: spec.visibilityTimeoutS * 1000,
        ...('maxReceiveCount' in spec ? { maxReceiveCount: spec.maxReceiveCount } : {}),
        ...(deadLetter ? { deadLetter } : {}),
      });
    }
    cache.set(name, q);
  }
  return q;
}

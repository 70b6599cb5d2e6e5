/**
 * `sns` entries locally, as SNS and Lambda's asynchronous invocation treat them: each notification
 * published to the topic (local/sns-topics.ts) invokes the function once with an SNS event; a failed
 * invocation is retried SNS_RETRY_ATTEMPTS times, then the event is recorded in `sns-consumer-dlq` the way
 * the function's on-failure destination does in AWS, and dropped from the topic.
 */
import { randomUUID } from 'node:crypto';
import { type FunctionSpec, SNS_RETRY_ATTEMPTS, type SnsTrigger } from '../../functions/manifest-types';
import { errorMessage } from '../../shared/errors';
import type { Queue } from '../../shared/queues/queue';
import { snsEvent } from '../aws-events';
import { lambdaContext } from '../lambda-context';
import type { LocalSnsTopic, SnsEnvelope } from '../sns-topics';
import { pollLoop, type RunningTrigger, type TriggerDeps } from './trigger';

type SnsSpec = FunctionSpec & { trigger: SnsTrigger };

export interface SnsTriggerOptions {
  /** Where an event the function kept failing on is recorded (the `sns-consumer-dlq` queue). */
  onFailure: Pick<Queue, 'send'>;
  /** Pause before retrying a failed invocation (default 1 s; Lambda waits about a minute). */
  retryPauseMs?: number;
}

/** What Lambda's asynchronous on-failure destination receives: the request and why it failed. */
const failureRecord = (spec: FunctionSpec, event: unknown, invokes: number, error: string): string =>
  JSON.stringify({
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: { requestId: randomUUID(), functionArn: `arn:aws:lambda:local:000000000000:function:${spec.id}`, condition: 'RetriesExhausted', approximateInvokeCount: invokes },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorMessage: error },
  });

/** Delivers the waiting notifications once; returns how many were handled (delivered or given up on). */
export async function deliverSnsNotifications(spec: SnsSpec, topic: LocalSnsTopic, deps: TriggerDeps, options: SnsTriggerOptions): Promise<number> {
  const messages = await topic.subscription.receive(10);
  if (!messages.length) return 0;
  const handler = await deps.loadHandler(spec);
  for (const message of messages) {
    let envelope: SnsEnvelope;
    try {
      envelope = JSON.parse(message.body) as SnsEnvelope;
    } catch {
      deps.log(`${spec.id}: a message on ${topic.name} is not an SNS notification; dropped`);
      await topic.subscription.delete(message.receiptHandle);
      continue;
    }
    const event = snsEvent(envelope);
    try {
      await handler(event, lambdaContext(spec.id, spec.timeoutS, spec.memoryMb));
      await topic.subscription.delete(message.receiptHandle);
    } catch (error) {
      // The first invocation plus the retries Lambda makes.
      if (message.receiveCount > SNS_RETRY_ATTEMPTS) {
        await options.onFailure.send(failureRecord(spec, event, message.receiveCount, errorMessage(error)));
        await topic.subscription.delete(message.receiptHandle);
        deps.log(`${spec.id}: gave up on SNS message ${envelope.MessageId} after ${message.receiveCount} invocations; recorded in sns-consumer-dlq`);
      } else {
        deps.log(`${spec.id}: invocation failed (${errorMessage(error)}); retried`);
        await topic.subscription.release(message.receiptHandle, options.retryPauseMs ?? 1000);
      }
    }
  }
  return messages.length;
}

export function startSnsTrigger(spec: SnsSpec, topic: LocalSnsTopic, deps: TriggerDeps, options: SnsTriggerOptions): RunningTrigger {
  const stop = pollLoop(async () => (await deliverSnsNotifications(spec, topic, deps, options)) > 0, 500, deps.log, spec.id);
  return { spec, describe: `sns ${topic.arn}`, stop };
}

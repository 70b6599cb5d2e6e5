/**
 * The retry worker (`agents-dispatch-retry`, on the `agent-dispatch` queue): one attempt per received
 * invocation. Delivered: done. Failed and attempts left: the message is made invisible for the policy's
 * wait and reported failed, so the queue hands it back then. Refused, or the last attempt: recorded in
 * `agent-dispatch-dlq` with the last error (alarmed), and done.
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import type { Queue } from '../queues/queue';
import { type AgentServiceClient, invocationBody } from './agent-service';
import { attemptDelivery } from './dispatcher';
import { defaultDispatchPolicy, type DispatchPolicy, retryDelayMs, workerAttempts } from './dispatch-policy';
import { decodePendingInvocation, type DispatchQueue } from './dispatch-queue';

const log = moduleLogger('agent-dispatch');

export interface RetryMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The `encoding` message attribute. */
  encoding: string | undefined;
  /** How many times the queue has handed this message out (1 on the first). */
  receiveCount: number;
}

export interface RetryDeps {
  client: Pick<AgentServiceClient, 'deliver'>;
  queue: Pick<DispatchQueue, 'deadLetter'>;
  /** The retry queue itself: to set how long a failed message stays invisible. */
  retryQueue: Pick<Queue, 'release'>;
  policy?: DispatchPolicy;
  clock?: () => number;
  random?: () => number;
}

/** Handles received retry messages; returns the ids of those to be received again. */
export async function retryInvocations(messages: readonly RetryMessage[], deps: RetryDeps, options: { deadline: number }): Promise<string[]> {
  const policy = deps.policy ?? defaultDispatchPolicy;
  const now = () => new Date((deps.clock ?? Date.now)());
  const again: string[] = [];
  await Promise.all(
    messages.map(async (message) => {
      let pending;
      try {
        pending = decodePendingInvocation(message.body, message.encoding);
      } catch (error) {
        // Can never succeed: kept for an operator as it is, with the reason.
        log.error('malformed agent dispatch message; dead-lettered', { message_id: message.messageId, error: errorMessage(error) });
        try {
          await deps.queue.deadLetter(
            { version: 1, workspace_id: '?', agent_id: '?', trigger_index: -1, events: [], event_ids: [], webhook_id: message.messageId, first_attempt_at: '', attempts: 0, last_error: `${errorMessage(error)}: ${message.body.slice(0, 1000)}` },
            'malformed',
            now(),
          );
        } catch {
          again.push(message.messageId);
        }
        return;
      }
      const result = await attemptDelivery(pending, invocationBody(pending), deps, policy, { attempts: 1, deadline: options.deadline - 1000 });
      const context = { workspace_id: pending.workspace_id, agent_id: pending.agent_id, trigger_index: pending.trigger_index, webhook_id: pending.webhook_id, attempt: message.receiveCount };
      if (result.ok) {
        log.info('agent invocation delivered on retry', context);
        return;
      }
      const after = {
        ...pending,
        // The message is not rewritten between receives: the earlier receives were one attempt each.
        attempts: pending.attempts + (message.receiveCount - 1) + result.tried,
        ...(result.error ? { last_error: result.error } : {}),
        ...(result.status !== undefined ? { last_status: result.status } : {}),
      };
      if (result.retryable && message.receiveCount < workerAttempts(policy)) {
        const wait = retryDelayMs(policy, message.receiveCount, result.retryAfterMs, deps.random);
        log.warn('agent invocation failed; retried later', { ...context, status: result.status, error: result.error, retry_in_ms: wait });
        await deps.retryQueue.release(message.receiptHandle, wait).catch((error: unknown) => log.warn('could not set the retry wait; the queue’s visibility timeout applies', { error: errorMessage(error) }));
        again.push(message.messageId);
        return;
      }
      try {
        await deps.queue.deadLetter(after, result.retryable ? 'retries_exhausted' : 'refused', now());
        log.error('agent invocation failed every attempt; recorded in agent-dispatch-dlq', { ...context, status: result.status, error: result.error, attempts: after.attempts });
      } catch (error) {
        log.error('agent invocation could not be dead-lettered; it will be received again', { ...context, error: errorMessage(error) });
        again.push(message.messageId);
      }
    }),
  );
  return again;
}

/**
 * Invocations waiting for another attempt (`agent-dispatch`) and those that failed every attempt
 * (`agent-dispatch-dlq`), as SQS messages: the invocation itself (events as the JSON read from Kafka),
 * its Standard Webhooks id (unchanged across attempts), when it was first tried and what went wrong last.
 * Large invocations are gzipped (the outbox's encoding); one too large even so is split in two.
 */
import { IonfluxError } from '../errors';
import { decodeJsonMessage, encodeJsonMessage } from '../events/outbox';
import type { Queue, QueueMessage } from '../queues/queue';
import { type Invocation, invocationId } from './agent-service';

export interface PendingInvocation extends Invocation {
  version: 1;
  webhook_id: string;
  event_ids: string[];
  first_attempt_at: string;
  /** Attempts made so far (inline and by the retry worker). */
  attempts: number;
  last_error?: string;
  last_status?: number;
  /** Set when it was dead-lettered: why. */
  dead_reason?: 'retries_exhausted' | 'refused' | 'malformed';
  dead_lettered_at?: string;
}

export class MalformedDispatchMessageError extends IonfluxError {
  constructor(problem: string) {
    super('malformed_dispatch_message', `agent dispatch message is malformed: ${problem}`, { status: 400 });
  }
}

/** An invocation whose single event is larger than a queue message even compressed. */
export class InvocationTooLargeError extends IonfluxError {
  constructor(agentId: string, eventId: string, bytes: number) {
    super('invocation_too_large', `the invocation of ${agentId} for event ${eventId} is ${bytes} bytes compressed, above the queue's limit`, {
      status: 503,
      details: { agent_id: agentId, event_id: eventId, bytes },
    });
  }
}

export function decodePendingInvocation(body: string, encoding: string | undefined): PendingInvocation {
  const value = decodeJsonMessage(body, encoding, (problem) => new MalformedDispatchMessageError(problem)) as PendingInvocation;
  if (
    value?.version !== 1 ||
    typeof value.workspace_id !== 'string' ||
    typeof value.agent_id !== 'string' ||
    typeof value.trigger_index !== 'number' ||
    !Array.isArray(value.events) ||
    !value.events.every((e) => typeof e === 'string') ||
    typeof value.webhook_id !== 'string'
  ) {
    throw new MalformedDispatchMessageError('not a pending agent invocation');
  }
  return value;
}

/** Halves of an invocation (for one too large for a message): each with its own webhook id. */
function split(pending: PendingInvocation): PendingInvocation[] {
  const half = Math.ceil(pending.events.length / 2);
  return [0, half].map((start) => {
    const event_ids = pending.event_ids.slice(start, start + half);
    return { ...pending, events: pending.events.slice(start, start + half), event_ids, webhook_id: invocationId(pending, event_ids) };
  });
}

export interface DispatchQueues {
  retry: Queue;
  deadLetter: Queue;
}

export class DispatchQueue {
  constructor(private readonly queues: DispatchQueues) {}

  private async send(queue: Queue, pending: PendingInvocation): Promise<number> {
    const { body, attributes, bytes, fits } = encodeJsonMessage(pending);
    if (fits) {
      await queue.send(body, attributes);
      return 1;
    }
    if (pending.events.length === 1) throw new InvocationTooLargeError(pending.agent_id, pending.event_ids[0] ?? '?', bytes);
    let sent = 0;
    for (const part of split(pending)) sent += await this.send(queue, part);
    return sent;
  }

  /** Hands an invocation to the retry worker. */
  async retryLater(pending: PendingInvocation): Promise<void> {
    await this.send(this.queues.retry, pending);
  }

  /** Records an invocation that will not be tried again until an operator redrives it. */
  async deadLetter(pending: PendingInvocation, reason: NonNullable<PendingInvocation['dead_reason']>, now: Date = new Date()): Promise<void> {
    await this.send(this.queues.deadLetter, { ...pending, dead_reason: reason, dead_lettered_at: now.toISOString() });
  }

  /**
   * Dead letters as they are, without taking them (each is made visible again at once): for listings.
   * Reads up to `limit` messages.
   */
  async peekDeadLetters(limit = 100): Promise<Array<PendingInvocation | { malformed: string; messageId: string }>> {
    const seen: QueueMessage[] = [];
    const out: Array<PendingInvocation | { malformed: string; messageId: string }> = [];
    try {
      while (seen.length < limit) {
        const batch = await this.queues.deadLetter.receive(Math.min(10, limit - seen.length), 0);
        if (!batch.length) break;
        for (const message of batch) {
          seen.push(message);
          try {
            out.push(decodePendingInvocation(message.body, message.attributes.encoding));
          } catch (error) {
            out.push({ malformed: (error as Error).message, messageId: message.messageId });
          }
        }
      }
    } finally {
      for (const message of seen) await this.queues.deadLetter.release(message.receiptHandle, 0);
    }
    return out;
  }

  /**
   * Moves dead letters back to the retry queue (their attempts start again); malformed ones stay. Stops
   * after `limit` messages or when the DLQ is empty.
   */
  async redrive(options: { limit?: number } = {}): Promise<{ moved: number; malformed: number }> {
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    let moved = 0;
    let malformed = 0;
    const kept: QueueMessage[] = [];
    try {
      while (moved + malformed < limit) {
        const batch = await this.queues.deadLetter.receive(Math.min(10, limit - moved - malformed), 0);
        if (!batch.length) break;
        for (const message of batch) {
          let pending: PendingInvocation;
          try {
            pending = decodePendingInvocation(message.body, message.attributes.encoding);
          } catch {
            malformed++;
            kept.push(message);
            continue;
          }
          const { dead_reason: _reason, dead_lettered_at: _at, ...again } = pending;
          await this.retryLater({ ...again, attempts: 0 });
          await this.queues.deadLetter.delete(message.receiptHandle);
          moved++;
        }
      }
    } finally {
      for (const message of kept) await this.queues.deadLetter.release(message.receiptHandle, 0);
    }
    return { moved, malformed };
  }
}

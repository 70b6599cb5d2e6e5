/**
 * The durable outbox of this execution environment (SQS, or the embedded queue) and the publisher that
 * writes only to it. Functions that do not talk to Kafka themselves — the LLM functions, whose usage
 * events need no synchronous broker round trip — publish through it; `outbox-drain` delivers to Kafka.
 * Kept apart from events.ts so these functions bundle neither kafkajs nor the VPC attachment it needs.
 */
import { Outbox } from '../events/outbox';
import { EventPublisher } from '../events/publisher';
import { perEnvironment } from './per-environment';
import { queue } from './queues';

export const outbox = perEnvironment(() => new Outbox(queue('outbox')));

export const outboxPublisher = perEnvironment(() => new EventPublisher({ outbox: outbox() }));

/**
 * EventPublisher: PlatformEvents onto the bus. Kafka gets a bounded share of the caller's time; if it
 * cannot take the events, they go to the durable outbox and the call still succeeds. Only when both
 * fail does the caller get PublishFailedError — and then it must not acknowledge upstream, so the
 * provider retries and nothing accepted is ever lost. Without a bus, events go straight to the outbox
 * (functions outside the VPC; `outbox-drain` takes them to Kafka).
 *
 * Every event on a per-workspace topic is also written to its family's fan-in
 * (`ionflux.<family>.all_workspaces`) in the same produce request, with an `origin_topic` header naming
 * the per-workspace topic: platform consumers (the agent dispatcher, Sales Sentinel) subscribe to the
 * fan-ins, since an MSK event source takes fixed topic names only. Done here, once, so no producer can
 * forget it.
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { withinDeadline } from '../timing';
import { PublishFailedError } from './errors';
import type { BusMessage, EventBus } from './event-bus';
import type { Outbox } from './outbox';
import type { PlatformEvent } from './platform-event';
import { fanInTopicOf, isFanInTopic } from './topics';

const log = moduleLogger('publisher');

export interface OutgoingEvent {
  topic: string;
  /** Partition key: the entity's id (order id, product id…). */
  key: string | null;
  event: PlatformEvent;
  /** On a fan-in copy: the per-workspace topic the event was published to (header `origin_topic`). */
  originTopic?: string;
}

/**
 * The events as they are written: each one on a per-workspace topic followed by its fan-in copy (once per
 * event and fan-in, even when it goes to several topics of the family). A fan-in entry the caller listed
 * itself for such an event is replaced by that copy; one for an event with no per-workspace topic is kept.
 */
export function withFanIn(events: OutgoingEvent[]): OutgoingEvent[] {
  let fanIns: Map<string, string> | undefined;
  for (const o of events) {
    const fanIn = fanInTopicOf(o.topic);
    if (fanIn) (fanIns ??= new Map()).set(`${fanIn}\u0000${o.event.event_id}`, o.topic);
  }
  if (!fanIns) return events;
  const out: OutgoingEvent[] = [];
  const written = new Set<string>();
  for (const o of events) {
    if (isFanInTopic(o.topic) && fanIns.has(`${o.topic}\u0000${o.event.event_id}`)) continue;
    out.push(o);
    const fanIn = fanInTopicOf(o.topic);
    if (!fanIn) continue;
    const id = `${fanIn}\u0000${o.event.event_id}`;
    if (written.has(id)) continue;
    written.add(id);
    out.push({ topic: fanIn, key: o.key, event: o.event, originTopic: o.topic });
  }
  return out;
}

/** An event published to several topics (workspace + fan-in) is serialised once. */
const serialised = new WeakMap<PlatformEvent, string>();

export function toBusMessage(outgoing: OutgoingEvent): BusMessage {
  const { event } = outgoing;
  let value = serialised.get(event);
  if (value === undefined) {
    value = JSON.stringify(event);
    serialised.set(event, value);
  }
  return {
    topic: outgoing.topic,
    key: outgoing.key,
    value,
    headers: {
      event_id: event.event_id,
      event_type: event.event_type,
      payload_schema_version: event.payload_schema_version,
      source_service_name: event.source_service_name,
      'content-type': 'application/json',
      ...(outgoing.originTopic ? { origin_topic: outgoing.originTopic } : {}),
    },
  };
}

export type PublisherOptions = (
  | { bus: EventBus; outbox?: Outbox }
  /** Outbox only: the events reach Kafka through `outbox-drain`. */
  | { bus?: undefined; outbox: Outbox }
) & {
  /** Most of the caller's time Kafka may use before the outbox takes over (default 2500 ms). */
  kafkaBudgetMs?: number;
  /** Time kept for the outbox write after Kafka gives up (default 1500 ms). */
  outboxReserveMs?: number;
};

export type Delivery = 'kafka' | 'outbox';

export class EventPublisher {
  constructor(private readonly options: PublisherOptions) {}

  async publish(events: OutgoingEvent[], options: { deadline: number }): Promise<Delivery> {
    return this.publishMessages(withFanIn(events).map(toBusMessage), options);
  }

  async publishMessages(messages: BusMessage[], options: { deadline: number }): Promise<Delivery> {
    const { bus, outbox } = this.options;
    if (!messages.length) return bus ? 'kafka' : 'outbox';
    if (!bus) {
      await withinDeadline(options.deadline, () => outbox.put(messages, 'published through the outbox'), { what: 'the outbox write' }).catch((error: unknown) => {
        throw new PublishFailedError(`events could not be written to the outbox: ${errorMessage(error)}`, error);
      });
      return 'outbox';
    }
    const reserve = outbox ? (this.options.outboxReserveMs ?? 1500) : 0;
    const kafkaDeadline = Math.min(options.deadline - reserve, Date.now() + (this.options.kafkaBudgetMs ?? 2500));
    let kafkaError: unknown;
    if (kafkaDeadline <= Date.now()) {
      // No time left for Kafka: a send started now could land after the outbox write too (a duplicate).
      kafkaError = new Error('no time left for Kafka within the deadline');
    } else {
      try {
        await bus.publish(messages, { deadline: kafkaDeadline });
        return 'kafka';
      } catch (error) {
        kafkaError = error;
      }
    }
    if (!outbox) throw new PublishFailedError(`events could not be published: ${errorMessage(kafkaError)}`, kafkaError);
    try {
      // Bounded by the caller's deadline: an answer after it is no answer (the provider retries anyway).
      await withinDeadline(options.deadline, () => outbox.put(messages, errorMessage(kafkaError)), { what: 'the outbox write' });
      log.warn('kafka unavailable; events written to the outbox', { count: messages.length, reason: errorMessage(kafkaError) });
      return 'outbox';
    } catch (outboxError) {
      log.error('kafka and the outbox both failed', { kafka: errorMessage(kafkaError), outbox: errorMessage(outboxError) });
      throw new PublishFailedError(
        `events could not be published (Kafka: ${errorMessage(kafkaError)}; outbox: ${errorMessage(outboxError)})`,
        outboxError,
      );
    }
  }
}

/**
 * The event publisher of this execution environment: Kafka (the bus in event-bus.ts) with the durable
 * outbox as its fallback.
 */
import { EventPublisher } from '../events/publisher';
import { eventBus } from './event-bus';
import { outbox } from './outbox';
import { perEnvironment } from './per-environment';

export { eventBus } from './event-bus';
export { outbox } from './outbox';

export const eventPublisher = perEnvironment(() => new EventPublisher({ bus: eventBus(), outbox: outbox() }));

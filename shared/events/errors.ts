import { IonfluxError } from '../errors';

export class InvalidTopicNameError extends IonfluxError {
  constructor(topic: string, problem: string) {
    super('invalid_topic_name', `Kafka topic "${topic}" ${problem}`, { status: 400, details: { topic } });
  }
}

export class InvalidPlatformEventError extends IonfluxError {
  constructor(problems: string[]) {
    super('invalid_platform_event', `PlatformEvent is invalid: ${problems.join('; ')}`, { status: 400, details: { problems } });
  }
}

/** Neither Kafka nor the outbox took the events: the caller must not acknowledge upstream. */
export class PublishFailedError extends IonfluxError {
  constructor(message: string, cause?: unknown) {
    super('publish_failed', message, { status: 503, cause, headers: { 'retry-after': '5' } });
  }
}

export class KafkaUnavailableError extends IonfluxError {
  constructor(message: string, cause?: unknown) {
    super('kafka_unavailable', message, { status: 503, cause });
  }
}

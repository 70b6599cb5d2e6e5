/**
 * The event bus on Kafka (kafkajs). One producer per execution environment, `acks: -1`, no implicit topic
 * creation. A send goes straight to the producer; only when the broker answers that a topic does not
 * exist are the missing topics created (MSK Serverless has no auto-create) and the send repeated. So a
 * cold start costs one connection (TLS + IAM on MSK), not a second one for the admin client. Sends are retried with backoff until the caller's deadline, never beyond it.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { DeadlineExceededError, sleep, withDeadline } from '../timing';
import { KafkaUnavailableError } from './errors';
import type { BusMessage, BusRecord, EventBus, EventLog, ReadOptions } from './event-bus';

const log = moduleLogger('kafka-bus');

/** Kafka error types that no retry can fix. */
const FATAL = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_VERSION',
  'INVALID_REQUIRED_ACKS',
]);

function hasErrorType(error: unknown, matches: (type: string) => boolean): boolean {
  for (let e = error as { type?: string; originalError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type && matches(e.type)) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}
const isFatal = (error: unknown) => hasErrorType(error, (type) => FATAL.has(type));
const isUnknownTopic = (error: unknown) => hasErrorType(error, (type) => type === 'UNKNOWN_TOPIC_OR_PARTITION');

export interface KafkaBusOptions {
  /** Partitions of topics this bus creates. */
  partitions: number;
  /** Replication factor of created topics; -1 lets the cluster decide (MSK Serverless). */
  replicationFactor?: number;
  /** Broker-side wait for all in-sync replicas, per request. */
  ackTimeoutMs?: number;
  /** Client for reading topics (readAll/follow), with kafkajs retries; defaults to the publishing client. */
  reader?: Kafka;
}

export class KafkaEventBus implements EventBus, EventLog {
  private producer?: Promise<Producer>;
  private admin?: Promise<Admin>;
  private readonly knownTopics = new Set<string>();
  private listedTopics = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaBusOptions,
  ) {}

  /** Connects a client once; a failed connection is discarded so the next call tries again. */
  private static async connect<C extends { connect(): Promise<void>; disconnect(): Promise<void> }>(client: C): Promise<C> {
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const connecting = KafkaEventBus.connect(
        this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 } }),
      );
      // Forget only this attempt when it fails, never a newer one cached since (e.g. after close()).
      connecting.catch(() => this.producer === connecting && (this.producer = undefined));
      this.producer = connecting;
    }
    return this.producer;
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const connecting = KafkaEventBus.connect(this.kafka.admin({ retry: { retries: 0 } }));
      connecting.catch(() => this.admin === connecting && (this.admin = undefined));
      this.admin = connecting;
    }
    return this.admin;
  }

  /**
   * Creates the topics that do not exist yet; one metadata listing per environment, then a set lookup
   * (`refresh` lists again: a broker just said one of them is missing).
   */
  async ensureTopics(topics: string[], options: { refresh?: boolean } = {}): Promise<void> {
    let missing = topics.filter((t) => options.refresh || !this.knownTopics.has(t));
    if (!missing.length) return;
    const admin = await this.connectedAdmin();
    if (!this.listedTopics || options.refresh) {
      const listed = await admin.listTopics();
      if (options.refresh) this.knownTopics.clear();
      for (const t of listed) this.knownTopics.add(t);
      this.listedTopics = true;
      missing = missing.filter((t) => !this.knownTopics.has(t));
      if (!missing.length) return;
    }
    await admin.createTopics({
      waitForLeaders: true,
      timeout: 10_000,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: this.options.partitions,
        replicationFactor: this.options.replicationFactor ?? -1,
      })),
    });
    log.info('topics provisioned', { topics: missing });
    for (const t of missing) this.knownTopics.add(t);
  }

  private async sendOnce(messages: BusMessage[]): Promise<void> {
    const byTopic = new Map<string, BusMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    const producer = await this.connectedProducer();
    const batch = {
      acks: -1,
      timeout: this.options.ackTimeoutMs ?? 5000,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    };
    try {
      await producer.sendBatch(batch);
    } catch (error) {
      if (!isUnknownTopic(error)) throw error;
      // Nothing was written: the producer refuses a batch before sending when a topic is unknown.
      await this.ensureTopics([...byTopic.keys()], { refresh: true });
      await producer.sendBatch(batch);
    }
  }

  async publish(messages: BusMessage[], options: { deadline: number }): Promise<void> {
    if (!messages.length) return;
    let attempt = 0;
    let lastError: unknown;
    for (;;) {
      // A send is never started after the deadline: it could land after the caller fell back to the outbox.
      if (Date.now() >= options.deadline) {
        lastError ??= new DeadlineExceededError('Kafka publish');
        break;
      }
      try {
        await withDeadline(this.sendOnce(messages), options.deadline, 'Kafka publish');
        return;
      } catch (error) {
        lastError = error;
        if (error instanceof DeadlineExceededError || isFatal(error)) break;
        const backoff = Math.min(1000, 50 * 2 ** attempt++) * (0.5 + Math.random() / 2);
        if (Date.now() + backoff >= options.deadline) break;
        log.debug('kafka publish attempt failed; retrying', { attempt, error: errorMessage(error) });
        await sleep(backoff);
      }
    }
    throw new KafkaUnavailableError(`Kafka did not take ${messages.length} message(s): ${errorMessage(lastError)}`, lastError);
  }

  async topics(): Promise<string[]> {
    const admin = await this.connectedAdmin();
    return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  }

  /** Partition high-watermarks of a topic (missing topic → empty). */
  private async watermarks(topic: string): Promise<Map<number, bigint>> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    if (!existing.has(topic)) return new Map();
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  }

  async readAll(topic: string, options: ReadOptions & { timeoutMs?: number } = {}): Promise<BusRecord[]> {
    const pending = await this.watermarks(topic);
    if (!pending.size) return [];
    // With `since`, each partition is read from the first offset written at or after it.
    let startAt: Map<number, bigint> | undefined;
    if (options.since !== undefined) {
      const admin = await this.connectedAdmin();
      startAt = new Map((await admin.fetchTopicOffsetsByTimestamp(topic, options.since)).map((o) => [o.partition, BigInt(o.offset)]));
      for (const [partition, high] of pending) if ((startAt.get(partition) ?? 0n) >= high) pending.delete(partition);
      if (!pending.size) return [];
    }
    const expected = [...pending].reduce((n, [partition, high]) => n + Number(high - (startAt?.get(partition) ?? 0n)), 0);
    const records: BusRecord[] = [];
    // A consumer that kafkajs restarts (a retriable crash, a rebalance) reads some records again.
    const seen = new Set<string>();
    const { since } = options;
    await this.consume(
      topic,
      true,
      options.timeoutMs ?? 30_000,
      (record, done) => {
        const id = `${record.partition}:${record.offset}`;
        // Offsets follow write order, timestamps the producers' clocks: `since` is also applied per record.
        if (!seen.has(id) && (since === undefined || record.timestamp >= since)) records.push(record);
        seen.add(id);
        const high = pending.get(record.partition);
        if (high !== undefined && BigInt(record.offset) + 1n >= high) pending.delete(record.partition);
        if (!pending.size) done();
      },
      undefined,
      startAt,
    );
    if (pending.size) {
      throw new KafkaUnavailableError(`reading ${topic} stopped after ${records.length} record(s) of about ${expected}; partitions ${[...pending.keys()].join(', ')} not read to the end`);
    }
    return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  async follow(
    topic: string,
    onRecord: (record: BusRecord) => void | Promise<void>,
    options: { signal: AbortSignal; fromBeginning?: boolean },
  ): Promise<void> {
    await this.ensureTopics([topic]);
    await this.consume(topic, options.fromBeginning ?? false, undefined, async (record) => onRecord(record), options.signal);
  }

  /** Runs a throw-away consumer group on one topic until `done` is called, the signal aborts, or the timeout. */
  private async consume(
    topic: string,
    fromBeginning: boolean,
    timeoutMs: number | undefined,
    onRecord: (record: BusRecord, done: () => void) => void | Promise<void>,
    signal?: AbortSignal,
    startAt?: Map<number, bigint>,
  ): Promise<void> {
    const groupId = `ionflux-reader-${randomUUID()}`;
    // Generous retries: right after a broker (re)start the group coordinator takes a while to appear.
    const consumer = (this.options.reader ?? this.kafka).consumer({ groupId, retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 }, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    let finish!: () => void;
    let fail!: (error: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const timer = timeoutMs ? setTimeout(finish, timeoutMs) : undefined;
    if (signal?.aborted) finish();
    else signal?.addEventListener('abort', () => finish(), { once: true });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) fail(new KafkaUnavailableError(`consumer of ${topic} crashed: ${payload.error.message}`, payload.error));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          // A batch fetched before the seek below took effect is skipped here.
          const start = startAt?.get(partition);
          if (start !== undefined && BigInt(message.offset) < start) return;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
          await onRecord(
            {
              topic,
              partition,
              offset: message.offset,
              timestamp: Number(message.timestamp),
              key: message.key ? message.key.toString('utf8') : null,
              value: message.value ? message.value.toString('utf8') : '',
              headers,
            },
            finish,
          );
        },
      });
      for (const [partition, offset] of startAt ?? []) consumer.seek({ topic, partition, offset: String(offset) });
      await finished;
    } finally {
      if (timer) clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
      const admin = await this.connectedAdmin().catch(() => undefined);
      await admin?.deleteGroups([groupId]).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const [producer, admin] = [this.producer, this.admin];
    this.producer = undefined;
    this.admin = undefined;
    await Promise.all([
      producer?.then((p) => p.disconnect()).catch(() => undefined),
      admin?.then((a) => a.disconnect()).catch(() => undefined),
    ]);
  }
}

/**
 * `kafka` entries locally, with the MSK event and partial-batch semantics of the Lambda event source:
 * - embedded bus: topic files are tailed; committed offsets live in IONFLUX_HOME/consumer-offsets;
 * - real Kafka: a consumer group `<prefix>-<function id>` (the same group id the CDK app gives the
 *   event source mapping), offsets committed only for records the handler accepted.
 * A failed record is retried (from it, keeping partition order) after a short pause; after
 * KAFKA_RETRY_ATTEMPTS retries the trigger gives up on that record, records it in `kafka-consumer-dlq`
 * the way the MSK event source's on-failure destination does, and moves on.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import { type FunctionSpec, KAFKA_RETRY_ATTEMPTS, type KafkaTrigger } from '../../functions/manifest-types';
import type { Queue } from '../../shared/queues/queue';
import type { EmbeddedEventBus } from '../../shared/events/embedded-bus';
import { buildMskEvent, failedOffsets, type PlainRecord } from '../../shared/events/msk-event';
import { lambdaContext } from '../lambda-context';
import { pollLoop, type RunningTrigger, type TriggerDeps } from './trigger';

type KafkaSpec = FunctionSpec & { trigger: KafkaTrigger };

export interface KafkaTriggerOptions {
  /** Where a record the function kept failing on is recorded (the `kafka-consumer-dlq` queue). */
  onFailure: Pick<Queue, 'send'>;
  /** Pause before retrying a failed record (default 1 s). */
  retryPauseMs?: number;
}

type Source = { clusterArn: string; bootstrapServers: string };

/**
 * Counts failed invocations per partition from the offset where they failed. A failure at another
 * offset (the function got further) starts a new count, as each new batch does in AWS.
 */
class FailureCounter {
  private readonly failures = new Map<string, { offset: number; invokes: number }>();
  /** Records a failure from `offset`; returns how many invocations have failed from it. */
  failed(topic: string, partition: number, offset: number): number {
    const key = `${topic}:${partition}`;
    const previous = this.failures.get(key);
    const invokes = previous?.offset === offset ? previous.invokes + 1 : 1;
    this.failures.set(key, { offset, invokes });
    return invokes;
  }
  clear(topic: string, partition: number): void {
    this.failures.delete(`${topic}:${partition}`);
  }
}

/** What the MSK event source sends its on-failure destination: which records, not the records. */
function kafkaFailureRecord(spec: FunctionSpec, records: PlainRecord[], invokes: number, source: Source): string {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  return JSON.stringify({
    requestContext: { requestId: randomUUID(), functionArn: `arn:aws:lambda:local:000000000000:function:${spec.id}`, condition: 'RetryAttemptsExhausted', approximateInvokeCount: invokes },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: new Date().toISOString(),
    KafkaBatchInfo: {
      batchSize: records.length,
      topic: first.topic,
      partition: first.partition,
      startOffset: first.offset,
      endOffset: last.offset,
      approximateArrivalOfFirstRecord: new Date(first.timestamp).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.timestamp).toISOString(),
      bootstrapServers: source.bootstrapServers,
    },
  });
}

/**
 * After a failed invocation from `resumeAt`: either wait and retry from there (returns `resumeAt`), or,
 * with the retries used up, record the failed record in the on-failure queue and go on after it. (In
 * AWS, bisecting on error narrows a failing batch down until only the failing record is given up on.)
 */
async function afterFailure(spec: KafkaSpec, batch: PlainRecord[], resumeAt: number, counter: FailureCounter, source: Source, deps: TriggerDeps, options: KafkaTriggerOptions): Promise<number> {
  const { topic, partition } = batch[0]!;
  const invokes = counter.failed(topic, partition, resumeAt);
  if (invokes <= KAFKA_RETRY_ATTEMPTS) {
    await new Promise((r) => setTimeout(r, options.retryPauseMs ?? 1000));
    return resumeAt;
  }
  const failed = batch.find((r) => r.offset === resumeAt) ?? { ...batch[0]!, offset: resumeAt };
  await options.onFailure.send(kafkaFailureRecord(spec, [failed], invokes, source));
  counter.clear(topic, partition);
  deps.log(`${spec.id}: gave up on ${topic}[${partition}] offset ${resumeAt} after ${invokes} invocations; recorded in kafka-consumer-dlq`);
  return resumeAt + 1;
}

function wanted(spec: KafkaSpec, record: PlainRecord): boolean {
  const types = spec.trigger.kafka.eventTypes;
  if (!types) return true;
  try {
    return types.includes((JSON.parse(record.value) as { event_type?: string }).event_type ?? '');
  } catch {
    return false;
  }
}

/** Invokes the handler with one partition's records; returns the offset to resume from (exclusive end if all succeeded). */
async function invoke(spec: KafkaSpec, records: PlainRecord[], deps: TriggerDeps, source: Source): Promise<number | undefined> {
  const event = buildMskEvent(records, source);
  const handler = await deps.loadHandler(spec);
  try {
    const response = await handler(event, lambdaContext(spec.id, spec.timeoutS, spec.memoryMb));
    const failed = failedOffsets(response, event);
    const first = [...failed.values()][0];
    return first;
  } catch (error) {
    deps.log(`${spec.id}: handler failed for the whole batch: ${error instanceof Error ? error.message : String(error)}`);
    return records[0]!.offset;
  }
}

export function startEmbeddedKafkaTrigger(spec: KafkaSpec, bus: EmbeddedEventBus, home: string, deps: TriggerDeps, options: KafkaTriggerOptions): RunningTrigger {
  const counter = new FailureCounter();
  const offsetsFile = path.join(home, 'consumer-offsets', `${spec.id}.json`);
  const load = (): Record<string, number> => {
    try {
      return JSON.parse(fs.readFileSync(offsetsFile, 'utf8')) as Record<string, number>;
    } catch {
      return {};
    }
  };
  const save = (offsets: Record<string, number>) => {
    fs.mkdirSync(path.dirname(offsetsFile), { recursive: true });
    fs.writeFileSync(offsetsFile, JSON.stringify(offsets));
  };
  const offsets = load();
  const startLatest = spec.trigger.kafka.startingPosition === 'LATEST';
  for (const topic of spec.trigger.kafka.topics) if (offsets[topic] === undefined) offsets[topic] = startLatest ? bus.readFrom(topic, 0).length : 0;
  save(offsets);
  const source = { clusterArn: 'arn:aws:kafka:local:000000000000:cluster/ionflux-embedded/local', bootstrapServers: 'embedded' };
  const batchSize = spec.trigger.kafka.batchSize ?? 100;
  const stop = pollLoop(
    async () => {
      let busy = false;
      for (const topic of spec.trigger.kafka.topics) {
        const pending = bus.readFrom(topic, offsets[topic] ?? 0).slice(0, batchSize).map((r) => ({ ...r, offset: Number(r.offset) }));
        if (!pending.length) continue;
        const selected = pending.filter((r) => wanted(spec, r));
        const resumeAt = selected.length ? await invoke(spec, selected, deps, source) : undefined;
        if (resumeAt === undefined) {
          counter.clear(topic, pending[0]!.partition);
          offsets[topic] = pending[pending.length - 1]!.offset + 1;
          busy = true;
        } else {
          offsets[topic] = await afterFailure(spec, pending, resumeAt, counter, source, deps, options);
          busy = offsets[topic] !== resumeAt;
        }
        save(offsets);
      }
      return busy;
    },
    200,
    deps.log,
    spec.id,
  );
  return { spec, describe: `kafka ${spec.trigger.kafka.topics.join(', ')} (embedded bus)`, stop };
}

export async function startKafkaConsumerTrigger(spec: KafkaSpec, kafka: Kafka, groupId: string, brokers: string, deps: TriggerDeps, options: KafkaTriggerOptions): Promise<RunningTrigger> {
  const counter = new FailureCounter();
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 15_000, heartbeatInterval: 1000, retry: { retries: 10 } });
  await consumer.connect();
  for (const topic of spec.trigger.kafka.topics) {
    await consumer.subscribe({ topic, fromBeginning: spec.trigger.kafka.startingPosition !== 'LATEST' });
  }
  const source = { clusterArn: 'arn:aws:kafka:local:000000000000:cluster/ionflux-local/local', bootstrapServers: brokers };
  const batchSize = spec.trigger.kafka.batchSize ?? 100;
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const all: PlainRecord[] = batch.messages.map((m) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = String(Array.isArray(v) ? v[0] : v);
        return {
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(m.offset),
          timestamp: Number(m.timestamp),
          key: m.key ? m.key.toString('utf8') : null,
          value: m.value ? m.value.toString('utf8') : '',
          headers,
        };
      });
      for (let i = 0; i < all.length && isRunning() && !isStale(); i += batchSize) {
        const chunk = all.slice(i, i + batchSize);
        const selected = chunk.filter((r) => wanted(spec, r));
        const resumeAt = selected.length ? await invoke(spec, selected, deps, source) : undefined;
        if (resumeAt === undefined) counter.clear(batch.topic, batch.partition);
        // Where to go on from: after the chunk, at the failed record (a retry), or after it once given up on.
        const chunkEnd = chunk[chunk.length - 1]!.offset + 1;
        const next = resumeAt === undefined ? chunkEnd : await afterFailure(spec, chunk, resumeAt, counter, source, deps, options);
        if (next > chunk[0]!.offset) {
          resolveOffset(String(next - 1));
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }]);
        }
        await heartbeat();
        if (next < chunkEnd) {
          // Fetch again from there: the failed record (a retry), or the one after a record given up on.
          consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(next) });
          return;
        }
      }
    },
  });
  return {
    spec,
    describe: `kafka ${spec.trigger.kafka.topics.join(', ')} (consumer group ${groupId})`,
    stop: () => consumer.disconnect(),
  };
}

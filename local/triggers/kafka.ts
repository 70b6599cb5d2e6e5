/**
 * `kafka` entries locally, with the MSK event and partial-batch semantics of the Lambda event source:
 * - embedded bus: topic files are tailed; committed offsets live in IONFLUX_HOME/consumer-offsets;
 * - real Kafka: a consumer group `<prefix>-<function id>` (the same group id the CDK app gives the
 *   event source mapping), offsets committed only for records the handler accepted.
 * A failed record is retried (from it, keeping partition order) after a short pause.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import type { FunctionSpec, KafkaTrigger } from '../../functions/manifest-types';
import type { EmbeddedEventBus } from '../../shared/events/embedded-bus';
import { buildMskEvent, failedOffsets, type PlainRecord } from '../../shared/events/msk-event';
import { lambdaContext } from '../lambda-context';
import { pollLoop, type RunningTrigger, type TriggerDeps } from './trigger';

type KafkaSpec = FunctionSpec & { trigger: KafkaTrigger };

const RETRY_PAUSE_MS = 1000;

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
async function invoke(spec: KafkaSpec, records: PlainRecord[], deps: TriggerDeps, source: { clusterArn: string; bootstrapServers: string }): Promise<number | undefined> {
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

export function startEmbeddedKafkaTrigger(spec: KafkaSpec, bus: EmbeddedEventBus, home: string, deps: TriggerDeps): RunningTrigger {
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
        offsets[topic] = resumeAt ?? pending[pending.length - 1]!.offset + 1;
        save(offsets);
        if (resumeAt !== undefined) await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
        else busy = true;
      }
      return busy;
    },
    200,
    deps.log,
    spec.id,
  );
  return { spec, describe: `kafka ${spec.trigger.kafka.topics.join(', ')} (embedded bus)`, stop };
}

export async function startKafkaConsumerTrigger(spec: KafkaSpec, kafka: Kafka, groupId: string, brokers: string, deps: TriggerDeps): Promise<RunningTrigger> {
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
        const committed = resumeAt ?? chunk[chunk.length - 1]!.offset + 1;
        if (committed > chunk[0]!.offset) {
          resolveOffset(String(committed - 1));
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(committed) }]);
        }
        await heartbeat();
        if (resumeAt !== undefined) {
          await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
          consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(resumeAt) });
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

/**
 * The local runtime: every manifest entry served the way AWS would run it — `http` entries behind a
 * local HTTP API, `kafka` entries fed MSK-shaped batches, `sqs` entries fed SQS batches, `sns` entries
 * fed the notifications published to their topic, `schedule` entries on their timers — through the
 * same handlers. Backends follow the configuration: embedded
 * (IONFLUX_HOME) by default, real Kafka with KAFKA_BROKERS, moto (or AWS) with AWS_ENDPOINT_URL.
 */
import { randomBytes } from 'node:crypto';
import { functions as manifest } from '../functions/manifest';
import {
  type FunctionSpec,
  isHttp,
  isKafka,
  isSchedule,
  isSns,
  isSqs,
  kafkaConsumerGroup,
  type KafkaTrigger,
  type ScheduleTrigger,
  type SnsTrigger,
  type SqsTrigger,
  triggerKind,
} from '../functions/manifest-types';
import { config } from '../shared/config/env';
import type { EmbeddedEventBus } from '../shared/events/embedded-bus';
import { createKafka } from '../shared/events/kafka-client';
import { setLocalAudioOrigin } from '../shared/runtime/audio';
import { eventBus } from '../shared/runtime/events';
import { queue } from '../shared/runtime/queues';
import { serveLocalAudio } from './audio-files';
import { type HandlerLoader, loadHandler as defaultLoader } from './handlers';
import { type LocalHttpServer, startLocalHttpServer } from './http-server';
import { provisionAll } from './provision';
import { localSnsTopic } from './sns-topics';
import { startEmbeddedKafkaTrigger, startKafkaConsumerTrigger } from './triggers/kafka';
import { startScheduleTrigger } from './triggers/schedule';
import { startSnsTrigger } from './triggers/sns';
import { startSqsTrigger } from './triggers/sqs';
import type { RunningTrigger } from './triggers/trigger';

export interface LocalRuntimeOptions {
  port?: number;
  internalToken?: string;
  functions?: readonly FunctionSpec[];
  loadHandler?: HandlerLoader;
  /** Start kafka/sqs/schedule triggers (default true). */
  triggers?: boolean;
  log?: (message: string) => void;
  /** Pause before a Kafka (or SNS) trigger retries a failed batch (default 1 s; tests shorten it). */
  kafkaRetryPauseMs?: number;
}

export interface LocalRuntime {
  http: LocalHttpServer;
  internalToken: string;
  triggers: RunningTrigger[];
  backends: Record<string, string>;
  /** Every function id this runtime serves, with how. */
  coverage: Array<{ id: string; kind: string; how: string }>;
  stop(): Promise<void>;
}

export function describeBackends(): Record<string, string> {
  const cfg = config();
  return {
    aws: cfg.aws.enabled ? `AWS APIs at ${cfg.aws.endpoint ?? `AWS ${cfg.aws.region}`}` : `embedded (${cfg.home})`,
    kafka: cfg.kafka.mode === 'embedded' ? `embedded bus (${cfg.home}/topics)` : cfg.kafka.mode === 'brokers' ? `Kafka ${cfg.kafka.brokers.join(',')}` : `MSK ${cfg.kafka.clusterArn}`,
  };
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const cfg = config();
  const functions = options.functions ?? manifest;
  const log = options.log ?? ((m: string) => console.error(`[ionflux] ${m}`));
  const load = options.loadHandler ?? defaultLoader;
  const internalToken = options.internalToken ?? randomBytes(24).toString('base64url');
  await provisionAll();

  const backends = describeBackends();
  const http = await startLocalHttpServer({
    port: options.port ?? 3000,
    internalToken,
    functions,
    loadHandler: load,
    health: () => ({ backends, functions: functions.length }),
    serveFiles: serveLocalAudio,
    onInvoke: ({ routeKey, status, durationMs }) => log(`${routeKey} → ${status} (${durationMs} ms)`),
  });

  // Local audio URLs (no S3 configured) point at this server.
  setLocalAudioOrigin(http.url);

  const triggers: RunningTrigger[] = [];
  const deps = { loadHandler: load, log };
  const kafkaOptions = { onFailure: queue('kafka-consumer-dlq'), ...(options.kafkaRetryPauseMs !== undefined ? { retryPauseMs: options.kafkaRetryPauseMs } : {}) };
  if (options.triggers !== false) {
    for (const spec of functions) {
      const { trigger } = spec;
      if (isKafka(trigger)) {
        const kafkaSpec = spec as FunctionSpec & { trigger: KafkaTrigger };
        if (cfg.kafka.mode === 'embedded') {
          triggers.push(startEmbeddedKafkaTrigger(kafkaSpec, eventBus() as EmbeddedEventBus, cfg.home, deps, kafkaOptions));
        } else {
          const kafka = createKafka(cfg.kafka, { clientId: `ionflux-local-${spec.id}`, region: cfg.aws.region, retries: 8 });
          const brokers = cfg.kafka.mode === 'brokers' ? cfg.kafka.brokers.join(',') : cfg.kafka.clusterArn;
          // One consumer (group) per topic, like the event sources the CDK app creates.
          for (const topic of kafkaSpec.trigger.kafka.topics) {
            const oneTopic = { ...kafkaSpec, trigger: { kafka: { ...kafkaSpec.trigger.kafka, topics: [topic] } } };
            triggers.push(await startKafkaConsumerTrigger(oneTopic, kafka, kafkaConsumerGroup(cfg.resourcePrefix, kafkaSpec, topic), brokers, deps, kafkaOptions));
          }
        }
      } else if (isSqs(trigger)) {
        triggers.push(startSqsTrigger(spec as FunctionSpec & { trigger: SqsTrigger }, queue(trigger.sqs.queue), deps));
      } else if (isSns(trigger)) {
        const snsOptions = { onFailure: queue('sns-consumer-dlq'), ...(options.kafkaRetryPauseMs !== undefined ? { retryPauseMs: options.kafkaRetryPauseMs } : {}) };
        triggers.push(startSnsTrigger(spec as FunctionSpec & { trigger: SnsTrigger }, await localSnsTopic(trigger.sns.topic), deps, snsOptions));
      } else if (isSchedule(trigger)) {
        triggers.push(startScheduleTrigger(spec as FunctionSpec & { trigger: ScheduleTrigger }, deps));
      }
    }
  }

  const coverage = functions.map((spec) => {
    const kind = triggerKind(spec.trigger);
    if (isHttp(spec.trigger)) return { id: spec.id, kind, how: `${spec.trigger.http.method} ${http.url}${spec.trigger.http.path} (${spec.trigger.http.auth})` };
    const running = triggers.find((t) => t.spec.id === spec.id);
    return { id: spec.id, kind, how: running?.describe ?? 'not started (triggers disabled)' };
  });

  return {
    http,
    internalToken,
    triggers,
    backends,
    coverage,
    stop: async () => {
      await Promise.all(triggers.map((t) => t.stop()));
      await http.close();
    },
  };
}

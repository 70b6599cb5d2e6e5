/**
 * The event bus of this execution environment: Kafka (brokers from KAFKA_BROKERS, or the MSK cluster in
 * KAFKA_CLUSTER_ARN with IAM) or the embedded JSON-lines bus under IONFLUX_HOME/topics. Apart from the
 * publisher (events.ts) so that outbox-drain, which only needs the bus, bundles no SQS client.
 */
import path from 'node:path';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import { awsCallOptions, awsClientConfig } from '../aws/client-config';
import { config } from '../config/env';
import { EmbeddedEventBus } from '../events/embedded-bus';
import { KafkaUnavailableError } from '../events/errors';
import type { EventBus, EventLog } from '../events/event-bus';
import { KafkaEventBus } from '../events/kafka-bus';
import { createKafka } from '../events/kafka-client';
import { perEnvironment } from './per-environment';

/**
 * The MSK control-plane client, loaded only when a function must look the brokers up itself: deployed
 * functions get KAFKA_BROKERS resolved at deploy time, and the SDK client costs ~80 ms to load.
 */
let mskSdk: Promise<typeof import('@aws-sdk/client-kafka')> | undefined;
const loadMskSdk = () => (mskSdk ??= import('@aws-sdk/client-kafka'));
const mskControl = perEnvironment(
  () => loadMskSdk().then(({ KafkaClient: Client }) => new Client(awsClientConfig(config())) as KafkaClient),
  (client) => client.then((c) => c.destroy(), () => undefined),
);

/** Bootstrap brokers of an MSK cluster's IAM listener (port 9098), looked up once per environment. */
const bootstrapCache = new Map<string, Promise<string[]>>();
async function mskBootstrapBrokers(clusterArn: string): Promise<string[]> {
  let lookup = bootstrapCache.get(clusterArn);
  if (!lookup) {
    lookup = Promise.all([mskControl(), loadMskSdk()])
      .then(([client, { GetBootstrapBrokersCommand }]) => client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }), awsCallOptions()))
      .then((out) => {
        const brokers = out.BootstrapBrokerStringSaslIam ?? out.BootstrapBrokerStringPublicSaslIam;
        if (!brokers) throw new KafkaUnavailableError(`MSK cluster ${clusterArn} has no IAM bootstrap brokers`);
        return brokers.split(',');
      });
    lookup.catch(() => bootstrapCache.delete(clusterArn));
    bootstrapCache.set(clusterArn, lookup);
  }
  return lookup;
}

export const eventBus = perEnvironment(
  (): EventBus & EventLog => {
    const cfg = config();
    if (cfg.kafka.mode === 'embedded') return new EmbeddedEventBus(path.join(cfg.home, 'topics'));
    const options = { clientId: cfg.serviceName, region: cfg.aws.region, bootstrapBrokers: mskBootstrapBrokers };
    return new KafkaEventBus(createKafka(cfg.kafka, options), {
      partitions: Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 3),
      reader: createKafka(cfg.kafka, { ...options, retries: 8 }),
    });
  },
  (bus) => bus.close(),
);

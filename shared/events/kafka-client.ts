/**
 * Builds the kafkajs client for this execution environment: plaintext brokers (tests, `npm run dev`),
 * or MSK with IAM (SASL OAUTHBEARER over TLS on 9098), the bootstrap string looked up with
 * kafka:GetBootstrapBrokers (MSK Serverless has no CloudFormation attribute for it).
 */
import { Kafka, type KafkaConfig as KafkaJsConfig, logLevel, type logCreator } from 'kafkajs';
import type { KafkaConfig } from '../config/env';
import { moduleLogger } from '../observability/logger';
import { KafkaUnavailableError } from './errors';

const log = moduleLogger('kafkajs');

/** kafkajs log lines go through our structured logger. */
export const kafkaLogCreator: logCreator = () => ({ namespace, level, log: entry }) => {
  const { message, ...extra } = (entry ?? {}) as { message?: string } & Record<string, unknown>;
  const attrs = { namespace, ...extra };
  if (!message) return;
  if (level === logLevel.ERROR) log.warn(message, attrs);
  else if (level === logLevel.WARN) log.warn(message, attrs);
  else if (level === logLevel.INFO) log.debug(message, attrs);
};

export interface KafkaClientOptions {
  clientId: string;
  region: string;
  /** Looks up the bootstrap brokers of an MSK cluster (IAM listener). */
  bootstrapBrokers?: (clusterArn: string) => Promise<string[]>;
}

function iamAuth(region: string): Pick<KafkaJsConfig, 'ssl' | 'sasl'> {
  return {
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
        const { token } = await generateAuthToken({ region });
        return { value: token };
      },
    },
  };
}

export function createKafka(config: Exclude<KafkaConfig, { mode: 'embedded' }>, options: KafkaClientOptions): Kafka {
  const common: Omit<KafkaJsConfig, 'brokers'> = {
    clientId: options.clientId,
    connectionTimeout: 2000,
    authenticationTimeout: 5000,
    requestTimeout: 10_000,
    enforceRequestTimeout: true,
    // Our own loop retries within the caller's deadline; kafkajs makes one attempt per call.
    retry: { retries: 0 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
  };
  if (config.mode === 'brokers') {
    return new Kafka({ ...common, brokers: config.brokers, ...(config.auth === 'iam' ? iamAuth(options.region) : {}) });
  }
  const lookup = options.bootstrapBrokers;
  if (!lookup) throw new KafkaUnavailableError('KAFKA_CLUSTER_ARN is set but no bootstrap-broker lookup was provided');
  return new Kafka({ ...common, brokers: () => lookup(config.clusterArn), ...iamAuth(options.region) });
}

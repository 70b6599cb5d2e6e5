/**
 * Builds the kafkajs client for this execution environment: plaintext brokers (tests, `npm run dev`),
 * or MSK with IAM (SASL OAUTHBEARER over TLS on 9098, token from msk-iam-token.ts: AWS's signer). Deployed functions
 * get the bootstrap string in KAFKA_BROKERS (resolved at deploy time); with only KAFKA_CLUSTER_ARN it is
 * looked up with kafka:GetBootstrapBrokers.
 */
import { Kafka, type KafkaConfig as KafkaJsConfig, logLevel, type logCreator } from 'kafkajs';
import type { KafkaConfig } from '../config/env';
import { moduleLogger } from '../observability/logger';
import { KafkaUnavailableError } from './errors';
import { type AwsCredentialIdentityProvider, mskOauthBearerProvider } from './msk-iam-token';

const log = moduleLogger('kafkajs');

/** kafkajs log lines go through our structured logger. */
export const kafkaLogCreator: logCreator = () => ({ namespace, level, log: entry }) => {
  // `timestamp`, `level` and `logger` are the logger's own keys.
  const { message, timestamp: _t, level: _l, logger: _g, ...extra } = (entry ?? {}) as { message?: string } & Record<string, unknown>;
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
  /**
   * kafkajs's own retries of cluster operations. 0 (default) for publishers, whose retry loop is bounded
   * by the caller's deadline; readers and consumer groups want some (a group coordinator appears only
   * a moment after a broker starts).
   */
  retries?: number;
}

export function iamAuth(region: string, credentials?: AwsCredentialIdentityProvider): Pick<KafkaJsConfig, 'ssl' | 'sasl'> {
  return { ssl: true, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: mskOauthBearerProvider(region, credentials) } };
}

export function createKafka(config: Exclude<KafkaConfig, { mode: 'embedded' }>, options: KafkaClientOptions): Kafka {
  const common: Omit<KafkaJsConfig, 'brokers'> = {
    clientId: options.clientId,
    connectionTimeout: 2000,
    authenticationTimeout: 5000,
    requestTimeout: 10_000,
    enforceRequestTimeout: true,
    retry: options.retries ? { retries: options.retries, initialRetryTime: 300, maxRetryTime: 5000 } : { retries: 0 },
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

/**
 * The runtime configuration, read from the environment once per execution environment. This is the only
 * place that decides which adapters run: AWS (in Lambda, and in tests against moto) or the embedded
 * defaults under IONFLUX_HOME (`npm run dev` with nothing configured). Domain code never reads it.
 */
import path from 'node:path';
import { InvalidConfigError } from './errors';

export type KafkaConfig =
  | { mode: 'embedded' }
  | { mode: 'brokers'; brokers: string[]; auth: 'none' | 'iam' }
  | { mode: 'msk'; clusterArn: string };

export interface RuntimeConfig {
  /** Deployment stage name, e.g. `prod`; informational. */
  stage: string;
  /** Prefix of table and queue names: `<prefix>-<name>` (same in CDK, tests and local). */
  resourcePrefix: string;
  /** Root of Secrets Manager names: `<root>/platform/<provider>`, `<root>/workspaces/<id>/…`. */
  secretRoot: string;
  /** Folder of the embedded state (local runtime and CLI). */
  home: string;
  aws: { enabled: boolean; region: string; endpoint?: string };
  kafka: KafkaConfig;
  /** Client id the Kafka producer announces; the function id in Lambda. */
  serviceName: string;
  /** How long a resolved secret is reused before Secrets Manager is asked again. */
  secretCacheTtlMs: number;
  /** KMS key the secrets the functions create (connection tokens) are encrypted with (CDK: the data key). */
  secretsKmsKeyId?: string;
  /** True in the local runtime and tests: allows http:// to loopback for fetched inputs and fakes. */
  localMode: boolean;
}

const RESOURCE_PREFIX = /^[a-z][a-z0-9-]{0,30}$/;
const SECRET_ROOT = /^[A-Za-z0-9][A-Za-z0-9/_+=.@-]{0,100}[A-Za-z0-9]$|^[A-Za-z0-9]$/;

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const resourcePrefix = env.IONFLUX_RESOURCE_PREFIX ?? 'ionflux';
  if (!RESOURCE_PREFIX.test(resourcePrefix)) {
    throw new InvalidConfigError('IONFLUX_RESOURCE_PREFIX', `must match ${RESOURCE_PREFIX} (got "${resourcePrefix}")`);
  }
  const secretRoot = env.IONFLUX_SECRET_ROOT ?? 'ionflux';
  if (!SECRET_ROOT.test(secretRoot)) {
    throw new InvalidConfigError('IONFLUX_SECRET_ROOT', `must be a Secrets Manager name prefix (got "${secretRoot}")`);
  }
  const inLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  const backend = env.IONFLUX_BACKEND ?? (env.AWS_ENDPOINT_URL || inLambda ? 'aws' : 'embedded');
  if (backend !== 'aws' && backend !== 'embedded') {
    throw new InvalidConfigError('IONFLUX_BACKEND', `must be "aws" or "embedded" (got "${backend}")`);
  }
  const ttl = Number(env.IONFLUX_SECRET_CACHE_TTL_SECONDS ?? 300);
  if (!Number.isFinite(ttl) || ttl < 0) {
    throw new InvalidConfigError('IONFLUX_SECRET_CACHE_TTL_SECONDS', 'must be a number of seconds ≥ 0');
  }
  // Read as the AWS SDK reads it (it resolves the endpoint of every client itself): AWS_ENDPOINT_URL,
  // unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. Test: test/integration/aws-sdk-clients.test.ts.
  const endpoint = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true' ? undefined : env.AWS_ENDPOINT_URL || undefined;
  return {
    stage: env.IONFLUX_STAGE ?? 'dev',
    resourcePrefix,
    secretRoot,
    home: path.resolve(env.IONFLUX_HOME ?? '.ionflux'),
    aws: {
      enabled: backend === 'aws',
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
    },
    kafka: readKafkaConfig(env),
    serviceName: env.IONFLUX_FUNCTION_ID ?? env.AWS_LAMBDA_FUNCTION_NAME ?? 'ionflux-local',
    secretCacheTtlMs: ttl * 1000,
    ...(env.IONFLUX_SECRETS_KMS_KEY_ID ? { secretsKmsKeyId: env.IONFLUX_SECRETS_KMS_KEY_ID } : {}),
    localMode: !inLambda,
  };
}

function readKafkaConfig(env: NodeJS.ProcessEnv): KafkaConfig {
  const auth = env.KAFKA_AUTH ?? 'none';
  if (auth !== 'none' && auth !== 'iam') throw new InvalidConfigError('KAFKA_AUTH', `must be "none" or "iam" (got "${auth}")`);
  if (env.KAFKA_BROKERS) {
    const brokers = env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
    for (const broker of brokers) {
      if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker)) throw new InvalidConfigError('KAFKA_BROKERS', `has an invalid host:port "${broker}"`);
    }
    return { mode: 'brokers', brokers, auth };
  }
  if (env.KAFKA_CLUSTER_ARN) {
    if (!env.KAFKA_CLUSTER_ARN.startsWith('arn:')) throw new InvalidConfigError('KAFKA_CLUSTER_ARN', 'must be an MSK cluster ARN');
    return { mode: 'msk', clusterArn: env.KAFKA_CLUSTER_ARN };
  }
  return { mode: 'embedded' };
}

let current: RuntimeConfig | undefined;

/** The configuration of this execution environment (read on first use). */
export function config(): RuntimeConfig {
  current ??= readConfig();
  return current;
}

/** Tests and the local runtime re-read the environment after changing it. */
export function resetConfig(): void {
  current = undefined;
}

/**
 * Runs before each test file: point the code at this run's own local services (moto, Kafka), give the file
 * its own resource prefix, secret root and IONFLUX_HOME so files running in parallel never share state,
 * and send everything the code logs to .test-output/logs (scanned for secret values afterwards).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logsDir } from './paths';
import { testAwsEndpoint, testKafkaBrokers } from './services';

const id = `t${randomBytes(4).toString('hex')}`;
Object.assign(process.env, {
  AWS_ENDPOINT_URL: testAwsEndpoint(),
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  KAFKA_BROKERS: testKafkaBrokers(),
  IONFLUX_RESOURCE_PREFIX: id,
  IONFLUX_SECRET_ROOT: `${id}/ionflux`,
  IONFLUX_HOME: fs.mkdtempSync(path.join(os.tmpdir(), `ionflux-${id}-`)),
  IONFLUX_TEST_ID: id,
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'DEBUG',
});
delete process.env.AWS_LAMBDA_FUNCTION_NAME;
delete process.env.KAFKA_CLUSTER_ARN;

// Everything the code logs goes to a file per worker (scanned for secret values after the run).
fs.mkdirSync(logsDir, { recursive: true });
process.env.IONFLUX_LOG_FILE = path.join(logsDir, `worker-${process.env.JEST_WORKER_ID ?? '1'}-${process.pid}.log`);

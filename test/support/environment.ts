/** Per-test-file environment control on top of setup-env.ts. */
import { config } from '../../shared/config/env';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { provisionAll } from '../../local/provision';
import { testAwsEndpoint, testKafkaBrokers } from './services';

/** Switch this file to the embedded backends (no moto, no Kafka) under its own IONFLUX_HOME. */
export async function useEmbedded(): Promise<void> {
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.KAFKA_BROKERS;
  await resetEnvironment();
}

/** Real moto + Kafka with this file's own tables and queues. */
export async function useLocalServices(): Promise<void> {
  process.env.AWS_ENDPOINT_URL = testAwsEndpoint();
  process.env.KAFKA_BROKERS = testKafkaBrokers();
  await resetEnvironment();
  await provisionAll();
}

export const testId = () => process.env.IONFLUX_TEST_ID ?? 'test';
export const secretRoot = () => config().secretRoot;

/** A unique, valid workspace id for one scenario. */
let counter = 0;
export const newWorkspaceId = (label = 'ws') => `${label}_${testId()}_${++counter}`;

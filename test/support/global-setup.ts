/**
 * Before any test: this checkout's own test services (Kafka, moto) must be up, and the tests must know
 * where. \`npm test\` starts them and passes IONFLUX_TEST_KAFKA_BROKERS / IONFLUX_TEST_AWS_ENDPOINT; if jest
 * is run directly, they are started here (idempotent, quick when already running) and exported to the
 * workers the same way.
 */
import { startTestServices, TEST_ENV } from '../../scripts/services/service-sets';

export default async function globalSetup(): Promise<void> {
  if (process.env[TEST_ENV.kafkaBrokers] && process.env[TEST_ENV.awsEndpoint]) return;
  await startTestServices(process.env);
}

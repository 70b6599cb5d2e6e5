/** Where this run's own test services are (set by \`npm test\` or jest's global setup). */
import { TEST_ENV } from '../../scripts/services/service-sets';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (or jest, whose global setup starts the services)`);
  return value;
}

export const testKafkaBrokers = (): string => required(TEST_ENV.kafkaBrokers);
export const testAwsEndpoint = (): string => required(TEST_ENV.awsEndpoint);

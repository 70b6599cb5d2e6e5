/**
 * Options every AWS SDK v3 client of this project is built with: region, the endpoint override that
 * points the SDK at moto in tests and `npm run dev`, dummy credentials for an emulator, and our own
 * retry budget (SDK retries stay small: deadlines come from the Lambda's remaining time).
 */
import type { RuntimeConfig } from '../config/env';

export interface AwsClientOptions {
  region: string;
  endpoint?: string;
  maxAttempts: number;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  requestChecksumCalculation?: 'WHEN_REQUIRED';
  responseChecksumValidation?: 'WHEN_REQUIRED';
}

export function awsClientOptions(config: RuntimeConfig, env: NodeJS.ProcessEnv = process.env): AwsClientOptions {
  const options: AwsClientOptions = { region: config.aws.region, maxAttempts: 2 };
  if (config.aws.endpoint) {
    options.endpoint = config.aws.endpoint;
    // Emulators accept any key; without one the SDK would search the credential chain and fail offline.
    if (!env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) options.credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    // SDK ≥ 3.729 sends CRC32 trailers by default; emulators handle the "when required" mode best.
    options.requestChecksumCalculation = 'WHEN_REQUIRED';
    options.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return options;
}

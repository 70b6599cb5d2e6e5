/**
 * The S3 client of this execution environment (`@aws-sdk/client-s3`), created on first use — a function
 * that never stores a file never loads it — and reused by every invocation. Path-style addressing
 * against an emulator endpoint (moto); every call passes its own deadline (abortSignal).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { awsClientOptions } from '../aws/client-config';
import { config } from '../config/env';
import { perEnvironment } from './per-environment';

export const s3Client = perEnvironment(
  (): S3Client => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { S3Client: Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    const options = awsClientOptions(config());
    return new Client({ ...options, ...(options.endpoint ? { forcePathStyle: true } : {}) });
  },
  (client) => client.destroy(),
);

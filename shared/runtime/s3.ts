/**
 * The S3 client of this execution environment (`@aws-sdk/client-s3`), created on first use — a function
 * that never stores a file never loads it — and reused by every invocation. Path-style addressing
 * against an emulator endpoint (moto); every call passes its own deadline (abortSignal). Settings from
 * shared/aws/client-config.ts, with a longer attempt timeout: an attempt carries an object of up to
 * tens of MB, and the first byte of S3's answer comes only after all of it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../aws/client-config';
import { config } from '../config/env';
import { perEnvironment } from './per-environment';

/** Time from sending an S3 attempt (its body included) to the first byte of the answer. */
export const S3_ATTEMPT_TIMEOUT_MS = 10_000;

export const s3Client = perEnvironment(
  (): S3Client => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { S3Client: Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    const cfg = config();
    return new Client({ ...awsClientConfig(cfg, { attemptTimeoutMs: S3_ATTEMPT_TIMEOUT_MS }), ...(cfg.aws.endpoint ? { forcePathStyle: true } : {}) });
  },
  (client) => client.destroy(),
);

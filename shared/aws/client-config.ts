/**
 * The one configuration of every AWS SDK v3 client of this project, and the bound of every call.
 *
 * A client (once per execution environment, in `shared/runtime/*`):
 *
 *     new DynamoDBClient(awsClientConfig(config()))
 *
 * and every call:
 *
 *     client.send(new GetItemCommand(input), awsCallOptions())
 *
 * What it settles, deliberately (docs/architecture.md, "AWS clients"):
 * - **Region** from our configuration (AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1). The
 *   **endpoint** is left to the SDK: it reads AWS_ENDPOINT_URL (moto in tests and `npm run dev`),
 *   AWS_ENDPOINT_URL_<SERVICE>, AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT and the partition of the
 *   region (aws-cn, aws-us-gov, …) through its own endpoint rules; `shared/config/env.ts` reads
 *   AWS_ENDPOINT_URL the same way to decide that AWS is on.
 * - **Retries**: the SDK's `standard` mode (throttling, 5xx, timeouts and dropped connections retried with
 *   full-jitter backoff, a retry quota against retry storms, clock-skew correction, the same idempotency
 *   token on every attempt), 3 attempts.
 * - **Timeouts per attempt**: 1 s to connect, 2 s to the first byte of the answer (DynamoDB, SQS and
 *   Secrets Manager answer in milliseconds; an attempt without an answer after 2 s is lost, and the retry
 *   is the better bet). Without a deadline a call therefore gives up after about 6.5 s.
 * - **Deadline**: inside a deadline scope (`withinDeadline`, opened by the HTTP, SQS and MSK handler
 *   stacks), `awsCallOptions()` adds the scope's abort signal: the attempt in flight and any backoff stop at
 *   the request's deadline, so the function answers 503 with Retry-After before Lambda ends it.
 * - **Emulators**: with AWS_ENDPOINT_URL (or the service's own AWS_ENDPOINT_URL_<SERVICE>) and no keys or
 *   profile, dummy keys (moto accepts any), and checksums only where an operation requires them.
 */
import type { RuntimeConfig } from '../config/env';
import { deadlineSignal } from '../timing';

/** Attempts per call, the first included (the SDK's standard mode default). */
export const AWS_MAX_ATTEMPTS = 3;
/** Time to open the TCP connection of one attempt. */
export const AWS_CONNECTION_TIMEOUT_MS = 1000;
/** Time from sending an attempt to the first byte of its answer. */
export const AWS_ATTEMPT_TIMEOUT_MS = 2000;
/**
 * Longest silence on a socket while an answer's body is read (after its first byte). Larger than the
 * longest SQS long poll, whose answer may only come after its wait.
 */
export const AWS_SOCKET_IDLE_TIMEOUT_MS = 30_000;

export interface AwsClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: 'standard';
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: true; socketTimeout: number };
  credentials?: { accessKeyId: string; secretAccessKey: string };
  requestChecksumCalculation?: 'WHEN_REQUIRED';
  responseChecksumValidation?: 'WHEN_REQUIRED';
}

export interface AwsClientTuning {
  maxAttempts?: number;
  attemptTimeoutMs?: number;
  /**
   * The service's own endpoint variable suffix (`SES` → AWS_ENDPOINT_URL_SES), which the SDK honours
   * before AWS_ENDPOINT_URL: an endpoint set there is an emulator too.
   */
  service?: string;
}

/** Options for any SDK v3 client (`new XClient(awsClientConfig(config()))`). */
export function awsClientConfig(config: RuntimeConfig, tuning: AwsClientTuning = {}, env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const options: AwsClientConfig = {
    region: config.aws.region,
    maxAttempts: tuning.maxAttempts ?? AWS_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
      requestTimeout: tuning.attemptTimeoutMs ?? AWS_ATTEMPT_TIMEOUT_MS,
      // Without it the SDK only logs a warning when requestTimeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
      socketTimeout: AWS_SOCKET_IDLE_TIMEOUT_MS,
    },
  };
  if (config.aws.endpoint || (tuning.service && env[`AWS_ENDPOINT_URL_${tuning.service}`])) {
    // Emulators accept any key; without one the SDK would search the credential chain and fail offline.
    if (!env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) options.credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    // SDK ≥ 3.729 sends CRC32 trailers by default; emulators handle the "when required" mode best.
    options.requestChecksumCalculation = 'WHEN_REQUIRED';
    options.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return options;
}

export interface AwsCallOptions {
  abortSignal?: AbortSignal;
  requestTimeout?: number;
}

/**
 * Options for one `send`: the current deadline scope's abort signal (none outside a scope), and an
 * attempt timeout of its own for calls that wait on purpose (SQS long polls).
 */
export function awsCallOptions(options: { attemptTimeoutMs?: number } = {}): AwsCallOptions {
  const signal = deadlineSignal();
  return {
    ...(signal ? { abortSignal: signal } : {}),
    ...(options.attemptTimeoutMs !== undefined ? { requestTimeout: options.attemptTimeoutMs } : {}),
  };
}

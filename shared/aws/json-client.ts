/**
 * A small client for AWS's JSON protocols (awsJson 1.0/1.1): one signed POST per operation over a
 * keep-alive connection, with the SDK's standard retry rules (throttling, 5xx, dropped connections;
 * full-jitter backoff) and DynamoDB's response CRC32 check. The Lambdas use it for DynamoDB, SQS and
 * Secrets Manager because loading one AWS SDK v3 client costs ~100 ms of cold start on its own
 * (docs/benchmarks.md); operator tooling (provisioning) keeps the SDK.
 */
import http from 'node:http';
import https from 'node:https';
import { crc32 } from 'node:zlib';
import { credentialsFromEnvironment, type CredentialSource } from './credentials';
import { AwsNetworkError, AwsServiceError } from './errors';
import { signRequest } from './sigv4';

/** What the client needs to know about a service: its signing name, endpoint prefix and target. */
export interface AwsJsonService {
  /** Name used in the signature scope and in error messages. */
  signingName: string;
  /** `https://<endpointPrefix>.<region>.amazonaws.com` */
  endpointPrefix: string;
  /** `X-Amz-Target: <targetPrefix>.<Operation>` */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  /** Extra headers every call carries (e.g. SQS's query-compatible error mode). */
  headers?: Record<string, string>;
}

export const awsServices = {
  dynamodb: { signingName: 'dynamodb', endpointPrefix: 'dynamodb', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0' },
  sqs: { signingName: 'sqs', endpointPrefix: 'sqs', targetPrefix: 'AmazonSQS', jsonVersion: '1.0' },
  secretsManager: { signingName: 'secretsmanager', endpointPrefix: 'secretsmanager', targetPrefix: 'secretsmanager', jsonVersion: '1.1' },
} as const satisfies Record<string, AwsJsonService>;

export interface AwsJsonClientOptions {
  region: string;
  /** Overrides `https://<prefix>.<region>.amazonaws.com` (moto, VPC endpoints with private DNS off). */
  endpoint?: string;
  credentials: CredentialSource;
  /** Attempts per call, the first included (the SDK's default is 3; ours 2: deadlines are tight). */
  maxAttempts?: number;
  /** Per attempt: connection + answer. */
  timeoutMs?: number;
  /** Cap of one backoff sleep. */
  maxBackoffMs?: number;
  /** Injected for tests. */
  random?: () => number;
}

export interface CallOptions {
  /** Overrides the client's per-attempt timeout (long polls). */
  timeoutMs?: number;
}

/** Error shapes the SDK retries as throttling (from its standard retry strategy). */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT = new Set(['RequestTimeout', 'RequestTimeoutException', 'InternalServerError', 'InternalFailure', 'ServiceUnavailable']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` / `X:http://…` → `X`. */
export function errorName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  return raw.split(':')[0]!.split('#').pop() || undefined;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class AwsJsonClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;

  constructor(
    readonly service: AwsJsonService,
    private readonly options: AwsJsonClientOptions,
  ) {
    this.url = new URL(options.endpoint ?? `https://${service.endpointPrefix}.${options.region}.amazonaws.com`);
    const Agent = this.url.protocol === 'http:' ? http.Agent : https.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 50 });
    this.maxAttempts = options.maxAttempts ?? 2;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 20_000;
    this.random = options.random ?? Math.random;
  }

  /** Calls `operation` with `input`; resolves with the parsed output, rejects with AwsServiceError/AwsNetworkError. */
  async call<O = Record<string, unknown>>(operation: string, input: object, callOptions: CallOptions = {}): Promise<O> {
    const body = JSON.stringify(input);
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      let error: AwsServiceError | AwsNetworkError;
      try {
        const response = await this.send(operation, body, callOptions.timeoutMs ?? this.timeoutMs);
        if (response.status < 300) return this.parseOutput<O>(operation, response);
        error = this.toServiceError(operation, response);
      } catch (failure) {
        if (!(failure instanceof AwsNetworkError) && !(failure instanceof AwsServiceError)) throw failure;
        error = failure;
      }
      if (error instanceof AwsServiceError && EXPIRED.has(error.name) && !refreshed) {
        // Temporary credentials ran out between our check and the service's: look them up once more.
        this.options.credentials.invalidate();
        refreshed = true;
        attempt--;
        continue;
      }
      const retryable = error instanceof AwsNetworkError || error.retryable;
      if (!retryable || attempt >= this.maxAttempts) throw error;
      const base = error instanceof AwsServiceError && THROTTLING.has(error.name) ? 500 : 100;
      await new Promise((resolve) => setTimeout(resolve, this.random() * Math.min(this.maxBackoffMs, base * 2 ** (attempt - 1))));
    }
  }

  private async send(operation: string, body: string, timeoutMs: number): Promise<RawResponse> {
    const credentials = await this.options.credentials.get();
    const headers = signRequest(
      {
        method: 'POST',
        host: this.url.host,
        path: this.url.pathname || '/',
        headers: {
          'content-type': `application/x-amz-json-${this.service.jsonVersion}`,
          'x-amz-target': `${this.service.targetPrefix}.${operation}`,
          ...this.service.headers,
        },
        body,
      },
      credentials,
      { region: this.options.region, service: this.service.signingName },
    );
    headers['content-length'] = String(Buffer.byteLength(body));
    headers['user-agent'] = 'ionflux-integration-layer (aws-json)';
    const transport = this.url.protocol === 'http:' ? http : https;
    return new Promise<RawResponse>((resolve, reject) => {
      const fail = (message: string, cause?: unknown) => reject(new AwsNetworkError(this.service.signingName, operation, message, { cause }));
      const request = transport.request(
        { method: 'POST', hostname: this.url.hostname, port: this.url.port || undefined, path: this.url.pathname || '/', headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', (error) => fail(`response interrupted (${error.message})`, error));
        },
      );
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) => fail(error.code ? `${error.code} ${error.message}` : error.message, error));
      request.end(body);
    });
  }

  private checkIntegrity(operation: string, response: RawResponse): void {
    const expected = response.headers['x-amz-crc32'];
    if (typeof expected === 'string' && Number(expected) !== crc32(response.body)) {
      throw new AwsNetworkError(this.service.signingName, operation, 'response body does not match its x-amz-crc32 checksum');
    }
  }

  private parseOutput<O>(operation: string, response: RawResponse): O {
    this.checkIntegrity(operation, response);
    if (!response.body.length) return {} as O;
    try {
      return JSON.parse(response.body.toString('utf8')) as O;
    } catch (error) {
      throw new AwsNetworkError(this.service.signingName, operation, 'the response is not JSON', { cause: error });
    }
  }

  private toServiceError(operation: string, response: RawResponse): AwsServiceError {
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(response.body.toString('utf8'));
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      // A proxy's HTML page or an empty 5xx body: the status decides.
    }
    const header = response.headers['x-amzn-errortype'];
    const name =
      errorName(typeof header === 'string' ? header : undefined) ??
      errorName(typeof body.__type === 'string' ? body.__type : undefined) ??
      errorName(typeof body.code === 'string' ? body.code : undefined) ??
      `Http${response.status}`;
    const message = [body.message, body.Message, body.errorMessage].find((m) => typeof m === 'string') as string | undefined;
    const requestId = response.headers['x-amzn-requestid'];
    return new AwsServiceError({
      name,
      message: message ?? `HTTP ${response.status}`,
      service: this.service.signingName,
      operation,
      statusCode: response.status,
      ...(typeof requestId === 'string' ? { requestId } : {}),
      body,
      retryable: THROTTLING.has(name) || TRANSIENT.has(name) || RETRYABLE_STATUS.has(response.status),
    });
  }

  /** Closes idle keep-alive connections (end of an execution environment, tests). */
  destroy(): void {
    this.agent.destroy();
  }
}

/** A client for `service` configured the way this project runs: region, endpoint override, credentials. */
export function awsJsonClient(
  service: AwsJsonService,
  config: { region: string; endpoint?: string },
  env: NodeJS.ProcessEnv = process.env,
): AwsJsonClient {
  return new AwsJsonClient(service, {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    credentials: credentialsFromEnvironment(env, { emulator: Boolean(config.endpoint) }),
  });
}

/**
 * The AWS SDK v3 clients as this project configures them (shared/aws/client-config.ts), on the behaviour
 * the hand-written client they replaced got wrong or lacked:
 * - endpoints: AWS_ENDPOINT_URL read by the SDK as by our configuration; partitions and FIPS by the SDK's rules;
 * - clock skew: a request refused as signed too far from the service's time is re-signed with the
 *   service's time and retried;
 * - TransactWriteItems applied but answered with a 500: the retry carries the same ClientRequestToken, so
 *   our own transaction (Sentinel order marker, Shopify refresh-token spend mark) is recognised, not
 *   refused by its own conditions;
 * - the deadline scope: a call to an endpoint that never answers ends at the deadline, as a 503;
 * - items: plain JSON data round-trips, what DynamoDB cannot hold faithfully is refused.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { AWS_ATTEMPT_TIMEOUT_MS, AWS_CONNECTION_TIMEOUT_MS, AWS_MAX_ATTEMPTS } from '../../shared/aws/client-config';
import { config } from '../../shared/config/env';
import { createPlatformEvent } from '../../shared/events/platform-event';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { sqsClient } from '../../shared/runtime/queues';
import { secretsManagerClient, secretStore } from '../../shared/runtime/secrets';
import { dynamoDbClient, table } from '../../shared/runtime/storage';
import { OrderCounters } from '../../shared/sentinel/order-counters';
import { TokenLocks } from '../../shared/shopify/token-locks';
import { StorageError } from '../../shared/storage/errors';
import { withinDeadline } from '../../shared/timing';
import { FakeDynamoDbFront } from '../fakes/aws/dynamodb-front';
import { FakeAwsJsonServer } from '../fakes/aws/json-protocol-server';
import { Tarpit } from '../fakes/tarpit';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { testAwsEndpoint } from '../support/services';

const saved = { ...process.env };
afterEach(async () => {
  process.env = { ...saved };
  await resetEnvironment();
});

class Captured extends Error {}

type AnyClient = {
  middlewareStack: { addRelativeTo(middleware: unknown, options: Record<string, unknown>): void };
  send(command: unknown): Promise<unknown>;
};

/** Where a client sends a command (captured inside the retry loop, before anything goes on the wire). */
async function destination(client: unknown, command: unknown): Promise<string> {
  let url = '';
  const c = client as AnyClient;
  c.middlewareStack.addRelativeTo(
    () => async (args: { request: { protocol: string; hostname: string; port?: number; path: string } }) => {
      const r = args.request;
      url = `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path}`;
      throw new Captured('captured');
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'captureDestination', override: true },
  );
  await c.send(command).catch((error: unknown) => {
    if (!(error instanceof Captured)) throw error;
  });
  return url;
}

const destinations = async () => ({
  dynamodb: await destination(dynamoDbClient(), new GetItemCommand({ TableName: 't', Key: { pk: { S: 'k' } } })),
  sqs: await destination(sqsClient(), new GetQueueUrlCommand({ QueueName: 'q' })),
  secretsmanager: await destination(secretsManagerClient(), new GetSecretValueCommand({ SecretId: 's' })),
});

async function environment(vars: Record<string, string | undefined>): Promise<void> {
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await resetEnvironment();
}

describe('AWS SDK clients: where they send', () => {
  it('send to AWS_ENDPOINT_URL, as our configuration reads it; a service-specific URL wins for its service only', async () => {
    await environment({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_SQS: undefined });
    expect(config().aws).toMatchObject({ enabled: true, endpoint: 'http://127.0.0.1:4566' });
    expect(await destinations()).toEqual({ dynamodb: 'http://127.0.0.1:4566/', sqs: 'http://127.0.0.1:4566/', secretsmanager: 'http://127.0.0.1:4566/' });

    await environment({ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324' });
    expect(await destinations()).toEqual({ dynamodb: 'http://127.0.0.1:4566/', sqs: 'http://127.0.0.1:9324/', secretsmanager: 'http://127.0.0.1:4566/' });
  });

  it('ignore configured endpoints together with the SDK when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true', async () => {
    await environment({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', IONFLUX_BACKEND: 'aws', AWS_REGION: 'eu-west-1' });
    expect(config().aws.endpoint).toBeUndefined();
    expect(await destinations()).toEqual({
      dynamodb: 'https://dynamodb.eu-west-1.amazonaws.com/',
      sqs: 'https://sqs.eu-west-1.amazonaws.com/',
      secretsmanager: 'https://secretsmanager.eu-west-1.amazonaws.com/',
    });
  });

  it('resolve AWS endpoints by partition and FIPS with the SDK’s rules (aws-cn, aws-us-gov, FIPS)', async () => {
    const aws = { AWS_ENDPOINT_URL: undefined, IONFLUX_BACKEND: 'aws', AWS_USE_FIPS_ENDPOINT: undefined };
    await environment({ ...aws, AWS_REGION: 'cn-north-1' });
    expect(await destinations()).toEqual({
      dynamodb: 'https://dynamodb.cn-north-1.amazonaws.com.cn/',
      sqs: 'https://sqs.cn-north-1.amazonaws.com.cn/',
      secretsmanager: 'https://secretsmanager.cn-north-1.amazonaws.com.cn/',
    });
    await environment({ ...aws, AWS_REGION: 'us-east-1', AWS_USE_FIPS_ENDPOINT: 'true' });
    expect(await destinations()).toEqual({
      dynamodb: 'https://dynamodb-fips.us-east-1.amazonaws.com/',
      sqs: 'https://sqs-fips.us-east-1.amazonaws.com/',
      secretsmanager: 'https://secretsmanager-fips.us-east-1.amazonaws.com/',
    });
    await environment({ ...aws, AWS_REGION: 'us-gov-west-1', AWS_USE_FIPS_ENDPOINT: 'true' });
    const gov = await destinations();
    expect(gov.secretsmanager).toBe('https://secretsmanager-fips.us-gov-west-1.amazonaws.com/');
    expect(gov.dynamodb).toMatch(/^https:\/\/dynamodb(-fips)?\.us-gov-west-1\.amazonaws\.com\/$/);
  });

  it('use the standard retry mode with the attempts and timeouts written in client-config', async () => {
    await environment({});
    const client = dynamoDbClient();
    expect(await client.config.maxAttempts()).toBe(AWS_MAX_ATTEMPTS);
    const mode = client.config.retryMode;
    expect(typeof mode === 'string' ? mode : await mode()).toBe('standard');
    await client.send(new GetItemCommand({ TableName: 'missing', Key: { pk: { S: 'k' } } })).catch(() => undefined); // resolves the handler's settings
    expect((client.config.requestHandler as unknown as { httpHandlerConfigs(): Record<string, unknown> }).httpHandlerConfigs()).toMatchObject({
      connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
      requestTimeout: AWS_ATTEMPT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    });
  });
});

describe('AWS SDK clients: clock skew', () => {
  let fake: FakeAwsJsonServer;
  afterEach(() => fake.stop());

  it('re-signs with the service’s time and retries when a request is refused as signed too far from it', async () => {
    fake = new FakeAwsJsonServer({ test: 'test' }, { region: 'us-east-1', service: 'secretsmanager' }, { clockOffsetMs: 17 * 60_000 });
    await environment({ AWS_ENDPOINT_URL: await fake.start(), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
    fake.respond({ body: { Name: 'skewed', SecretString: 'value-after-skew' } }, { body: { Name: 'skewed', SecretString: 'second' } });

    await expect(secretStore().get('skewed')).resolves.toBe('value-after-skew');
    expect(fake.received).toHaveLength(2);
    expect(fake.received.every((r) => r.signatureValid)).toBe(true);
    const [refused, accepted] = fake.received;
    expect(Math.abs(refused!.signedAt.getTime() - Date.now())).toBeLessThan(60_000); // signed with our clock
    expect(Math.abs(accepted!.signedAt.getTime() - fake.now())).toBeLessThan(60_000); // then with the service's

    // The correction stays with the client: the next call is signed right the first time.
    await expect(secretStore().get('skewed')).resolves.toBe('second');
    expect(fake.received).toHaveLength(3);
  });
});

describe('AWS SDK clients: a transaction applied but answered with a 500', () => {
  let front: FakeDynamoDbFront;
  beforeAll(() => useLocalServices());
  beforeEach(async () => {
    front = new FakeDynamoDbFront(testAwsEndpoint());
    process.env.AWS_ENDPOINT_URL = await front.start();
    await resetEnvironment();
  });
  afterEach(() => front.stop());

  const orderEvent = (workspaceId: string, orderId: number) =>
    createPlatformEvent({
      eventType: 'shopify.orders.create',
      workspaceId,
      source: 'test',
      idParts: ['order', String(orderId)],
      payload: { data: { id: orderId, total_price: '12.50', currency: 'EUR', created_at: '2026-12-01T10:00:00Z' } },
    });

  it('is recognised on the SDK’s retry (same ClientRequestToken): the Sentinel counts the order once, and not as a duplicate', async () => {
    const counters = new OrderCounters(table('order-counters'));
    const ws = newWorkspaceId('skew');
    front.applyThenFail(1);
    await expect(counters.record(orderEvent(ws, 1001))).resolves.toBe('counted');

    const transactions = front.requests.filter((r) => r.target.endsWith('.TransactWriteItems'));
    expect(transactions.map((t) => t.answered)).toEqual([500, 200]);
    expect(transactions[0]!.clientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(transactions[1]!.clientRequestToken).toBe(transactions[0]!.clientRequestToken);
    expect(transactions[1]!.forwarded).toBe(false); // recognised, not applied twice

    const view = await counters.read(ws);
    expect(view.totals).toMatchObject({ orders: 1, gross_sales_hundredths: 1250 });
    // A real redelivery is still a duplicate (a new transaction, refused by the marker's condition).
    await expect(counters.record(orderEvent(ws, 1001))).resolves.toBe('duplicate');
    expect((await counters.read(ws)).totals.orders).toBe(1);
  });

  it('keeps the Shopify refresh-token spend mark ours: beginSpend holds after an applied-then-500 transaction', async () => {
    const locks = new TokenLocks(table('shopify-token-locks'));
    const shop = `${newWorkspaceId('shop').replace(/_/g, '-')}.myshopify.com`;
    const lease = await locks.acquire(shop, 30_000);
    expect(lease).toBeDefined();
    front.applyThenFail(1);
    const spend = await locks.beginSpend(shop, lease!.owner, 'fingerprint-1', 30_000);
    expect(spend).toMatchObject({ owner: lease!.owner });
    expect(await locks.spendState(shop, 'fingerprint-1')).toEqual({ state: 'spending', owner: lease!.owner });
    const transactions = front.requests.filter((r) => r.target.endsWith('.TransactWriteItems'));
    expect(transactions.map((t) => t.answered)).toEqual([500, 200]);
    expect(new Set(transactions.map((t) => t.clientRequestToken)).size).toBe(1);
  });
});

describe('AWS SDK clients: the deadline scope', () => {
  let tarpit: Tarpit;
  beforeEach(async () => {
    tarpit = new Tarpit();
    process.env.AWS_ENDPOINT_URL = (await tarpit.start()).url;
    await resetEnvironment();
  });
  afterEach(() => tarpit.stop());

  it('ends a call to an endpoint that accepts and never answers at the deadline, as a retryable 503', async () => {
    const started = Date.now();
    const error = (await withinDeadline(Date.now() + 600, () => table('workspaces').get({ pk: 'any' }), { backstop: false }).catch((e: unknown) => e)) as StorageError;
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ status: 503, code: 'storage_unavailable' });
    expect(error.headers?.['retry-after']).toMatch(/^\d+$/);
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(AWS_ATTEMPT_TIMEOUT_MS); // the deadline, not the attempt timeout, ended it
    expect((error.cause as Error).name).toBe('AbortError');
    expect(tarpit.accepted).toBeGreaterThan(0);
  });

  it('gives up after the attempts and their timeouts when no deadline is set (operator tooling)', async () => {
    const started = Date.now();
    const error = (await secretStore().get('x').catch((e: unknown) => e)) as Error;
    const took = Date.now() - started;
    expect(error.name).toBe('SecretStoreError');
    expect(took).toBeGreaterThanOrEqual(AWS_MAX_ATTEMPTS * AWS_ATTEMPT_TIMEOUT_MS - 100);
    expect(took).toBeLessThan(AWS_MAX_ATTEMPTS * AWS_ATTEMPT_TIMEOUT_MS + 2000);
    expect((error.cause as { $metadata?: { attempts?: number } }).$metadata?.attempts).toBe(AWS_MAX_ATTEMPTS);
  }, 15_000);
});

describe('AWS SDK clients: DynamoDB items', () => {
  beforeAll(() => useLocalServices());

  it('round-trip plain JSON data: nested maps and lists, null, booleans, empty strings, numbers', async () => {
    const t = table('workspaces');
    const item = { pk: newWorkspaceId('items'), n: 42.5, neg: -1, big: 9007199254740991, t: true, f: false, z: null, empty: '', list: [1, 'two', { three: [3] }, null], map: { deep: { er: 'x' } } };
    await t.put({ ...item, gone: undefined });
    expect(await t.get({ pk: item.pk })).toEqual(item);
  });

  it('refuse what DynamoDB cannot hold faithfully, before any request (a programming error, not an outage)', async () => {
    const t = table('workspaces');
    await expect(t.put({ pk: 'x', a: { b: Number.NaN } })).rejects.toThrow(/NaN/);
    await expect(t.put({ pk: 'x', when: new Date() })).rejects.toThrow(/Unsupported type/);
    await expect(t.put({ pk: 'x', n: 2 ** 60 })).rejects.toThrow(/MAX_SAFE_INTEGER/);
    await expect(t.put({ pk: 'x', n: 1 }, {})).resolves.toBeUndefined();
    await expect(t.put({ pk: 'x', a: { b: Number.NaN } })).rejects.not.toBeInstanceOf(StorageError);
  });
});

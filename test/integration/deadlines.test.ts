/**
 * Every function answers before Lambda ends it, whatever its dependencies do. A tarpit — a TCP endpoint
 * that accepts connections and never answers — stands in for AWS (AWS_ENDPOINT_URL), for the Kafka broker
 * and for an LLM provider; each function is invoked with its manifest timeout as the Lambda's remaining
 * time and must answer 503 with Retry-After well within it (before: get-settings and the Shopify webhook
 * answered nothing for 20 s with a 10 s timeout, the LLM function used its whole 29 s).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as getSettings } from '../../functions/workspaces/get-settings';
import { functions } from '../../functions/manifest';
import { connectionRegistry } from '../../shared/runtime/connections';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { WEBHOOK_ANSWER_BUDGET_MS } from '../../shared/webhooks/http';
import { Tarpit } from '../fakes/tarpit';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { invokeHttp, type InvokeResult } from '../support/http';
import { callLlm, newKey, workspaceKeys } from '../support/llm';
import { configureShopifySecret, sendShopifyWebhook } from '../support/shopify';
import { testAwsEndpoint, testKafkaBrokers } from '../support/services';

const timeoutOf = (id: string): number => {
  const spec = functions.find((f) => f.id === id);
  if (!spec) throw new Error(`no function ${id} in the manifest`);
  return spec.timeoutS;
};

let tarpit: Tarpit;
let trap: { url: string; hostPort: string };

beforeAll(async () => {
  await useLocalServices();
  await configureShopifySecret();
  tarpit = new Tarpit();
  trap = await tarpit.start();
});
afterEach(async () => {
  // Clients still waiting on the tarpit (a Kafka request waits 10 s for its timeout) are let go at once.
  tarpit.dropConnections();
  process.env.AWS_ENDPOINT_URL = testAwsEndpoint();
  process.env.KAFKA_BROKERS = testKafkaBrokers();
  await resetEnvironment();
});
afterAll(() => tarpit.stop());

async function timed(call: () => Promise<InvokeResult>): Promise<{ res: InvokeResult; ms: number }> {
  const started = Date.now();
  const res = await call();
  return { res, ms: Date.now() - started };
}

/** Every dependency named is a tarpit from now on (clients are made again). */
async function tarpitFor(...what: Array<'aws' | 'kafka'>): Promise<void> {
  if (what.includes('aws')) process.env.AWS_ENDPOINT_URL = trap.url;
  if (what.includes('kafka')) process.env.KAFKA_BROKERS = trap.hostPort;
  await resetEnvironment();
}

function expectRetryable503(res: InvokeResult, code: string): void {
  expect(res.status).toBe(503);
  expect(res.json.error.code).toBe(code);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('with AWS a tarpit (the three functions invoked at once)', () => {
  const results: Record<string, { res: InvokeResult; ms: number }> = {};
  beforeAll(async () => {
    await tarpitFor('aws', 'kafka');
    const [settings, webhook, llm] = await Promise.all([
      timed(() =>
        invokeHttp(
          getSettings as unknown as (e: APIGatewayProxyEventV2, c: unknown) => Promise<unknown>,
          { method: 'GET', rawPath: '/v1/workspaces/ws_deadline/settings', routeKey: 'GET /v1/workspaces/{workspace_id}/settings', pathParameters: { workspace_id: 'ws_deadline' } },
          timeoutOf('workspaces-get-settings'),
        ),
      ),
      timed(() => sendShopifyWebhook({ topic: 'orders/create', shop: 'deadline-shop.myshopify.com', payload: { id: 1 } })),
      timed(() => callLlm('text_generation', { workspace_id: 'ws_deadline', model: 'gpt-4o', prompt: 'hello' }, { timeoutS: timeoutOf('llm-text-generation') })),
    ]);
    Object.assign(results, { settings, webhook, llm });
  });

  it('workspaces-get-settings answers 503 storage_unavailable with Retry-After well within its 10 s', () => {
    const { res, ms } = results.settings!;
    expectRetryable503(res, 'storage_unavailable');
    expect(ms).toBeLessThan(timeoutOf('workspaces-get-settings') * 1000 * 0.8);
    expect(tarpit.accepted).toBeGreaterThan(0);
  });

  it('the Shopify webhook (Kafka a tarpit too) answers 503 with Retry-After within its 4 s answer budget; Shopify waits 5 s', () => {
    const { res, ms } = results.webhook!;
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(ms).toBeGreaterThanOrEqual(WEBHOOK_ANSWER_BUDGET_MS - 100);
    expect(ms).toBeLessThan(WEBHOOK_ANSWER_BUDGET_MS + 600);
  });

  it('an LLM route answers 503 with Retry-After long before its 29 s', () => {
    const { res, ms } = results.llm!;
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('storage_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(ms).toBeLessThan(timeoutOf('llm-text-generation') * 1000 * 0.5);
  });
});

describe('with Kafka a tarpit (AWS answering)', () => {
  it('the Shopify webhook still accepts within its answer budget: Kafka gets its share of the time, then the outbox takes the events', async () => {
    const shop = `shop-${randomUUID().slice(0, 8)}.myshopify.com`;
    await connectionRegistry().connect('shopify', shop, newWorkspaceId('deadline'));
    await tarpitFor('kafka');
    const { res, ms } = await timed(() => sendShopifyWebhook({ topic: 'orders/create', shop, payload: { id: 2 } }));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'accepted', deliveries: [{ via: 'outbox' }] });
    expect(ms).toBeLessThan(WEBHOOK_ANSWER_BUDGET_MS);
  });
});

describe('with the LLM provider a tarpit (AWS answering)', () => {
  it('the LLM route answers before the Lambda’s time runs out, saying the provider timed out', async () => {
    const ws = newWorkspaceId('deadline');
    await workspaceKeys(ws, { openai: { key: newKey('sk-proj'), baseUrl: `${trap.url}/v1` } });
    const timeoutS = 6;
    const { res, ms } = await timed(() => callLlm('text_generation', { workspace_id: ws, model: 'gpt-4o', prompt: 'hello' }, { timeoutS }));
    expect(res.status).toBe(504);
    expect(res.json.error.code).toBe('provider_timeout');
    expect(ms).toBeLessThan(timeoutS * 1000);
  });
});

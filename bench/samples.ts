/**
 * Representative invocations for the cold-init benchmark, per function id (functions not listed get a
 * default event for their trigger). Each does the function's real work against local services; this
 * runs in the parent process with the benchmark's environment, so it can store the secrets and
 * connections those invocations need.
 */
import { randomUUID } from 'node:crypto';
import { buildHttpApiEvent } from '../local/api-gateway-event';
import { config } from '../shared/config/env';
import { buildMskEvent } from '../shared/events/msk-event';
import { createPlatformEvent } from '../shared/events/platform-event';
import { topics } from '../shared/events/topics';
import { connectionRegistry } from '../shared/runtime/connections';
import { secretStore } from '../shared/runtime/secrets';
import { platformSecretName } from '../shared/secrets/names';
import { signedShopifyHeaders } from '../shared/webhooks/providers/shopify/shopify-hmac';
import { FakeOpenAi } from '../test/fakes/openai/fake-openai';

export interface Samples {
  events: Record<string, unknown>;
  /** Stops the local provider fakes the samples call. */
  stop(): Promise<void>;
}

const llmCall = (task: string, body: unknown) =>
  buildHttpApiEvent({ method: 'POST', rawPath: `/v1/llm/${task}`, routeKey: `POST /v1/llm/${task}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function sampleEvents(): Promise<Samples> {
  // LLM calls go to a local fake speaking OpenAI's wire format, configured like a real provider.
  const openai = await FakeOpenAi.start({ keys: ['sk-bench-cold-start'] });
  await secretStore().put(platformSecretName(config().secretRoot, 'openai'), JSON.stringify({ api_key: 'sk-bench-cold-start', base_url: openai.baseUrl }));
  const shop = 'bench-store.myshopify.com';
  const secret = 'shpss_bench_cold_start';
  await secretStore().put(platformSecretName(config().secretRoot, 'shopify'), JSON.stringify({ client_secret: secret }));
  await connectionRegistry().connect('shopify', shop, 'bench');
  const order = { id: 4_000_000_001, created_at: '2026-11-25T10:00:00-05:00', currency: 'USD', total_price: '59.80' };
  const body = Buffer.from(JSON.stringify(order));
  const orderEvent = createPlatformEvent({ idParts: ['bench', randomUUID()], eventType: 'shopify.orders.created', workspaceId: 'bench', source: 'bench', payload: { data: order } });
  const events: Record<string, unknown> = {
    'llm-text-generation': llmCall('text-generation', { workspace_id: 'bench', model: 'gpt-4o-mini', prompt: 'Say hello.', parameters: { max_tokens: 16 } }),
    'llm-embedding': llmCall('embedding', { workspace_id: 'bench', model: 'text-embedding-3-small', text_to_embed: 'hello world' }),
    'workspaces-put-settings': buildHttpApiEvent({
      method: 'PUT',
      rawPath: '/v1/workspaces/bench/settings',
      routeKey: 'PUT /v1/workspaces/{workspace_id}/settings',
      pathParameters: { workspace_id: 'bench' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ generic_secrets_config_json: { openai: `${config().secretRoot}/workspaces/bench/openai` } }),
    }),
    // A new delivery each run would need a new signature per process; the same one is a duplicate after the
    // first run, which still verifies, routes and checks dedup (the common path of a redelivery).
    'webhook-shopify': buildHttpApiEvent({
      method: 'POST',
      rawPath: '/webhooks/shopify',
      routeKey: 'POST /webhooks/shopify',
      headers: signedShopifyHeaders(body, secret, { topic: 'orders/create', shop }),
      body,
    }),
    'sentinel-order-counter': buildMskEvent(
      [{ topic: topics.shopifyAllWorkspaces(), partition: 0, offset: 1, timestamp: Date.now(), key: String(order.id), value: JSON.stringify(orderEvent), headers: { event_type: orderEvent.event_type } }],
      { clusterArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/bench/x', bootstrapServers: '127.0.0.1:9092' },
    ),
  };
  return { events, stop: () => openai.server.close() };
}

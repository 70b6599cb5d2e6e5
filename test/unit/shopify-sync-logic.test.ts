/**
 * Pure pieces of the Shopify integration, with in-memory stand-ins: cost pacing arithmetic, the catalog
 * sync's batching (count, bytes, the last batch, variants that arrive after their product's batch),
 * what the webhook-state consumer remembers, and token responses that leave fields out.
 */
import { functionById } from '../../functions/manifest';
import type { OutgoingEvent } from '../../shared/events/publisher';
import type { BulkOperations } from '../../shared/shopify/bulk-operations';
import { CatalogSync } from '../../shared/shopify/catalog-sync';
import type { CatalogSyncState, ThemeRecord } from '../../shared/shopify/shop-state-store';
import { ThrottleBudgets } from '../../shared/shopify/throttle-budget';
import { ShopifyTokenEndpoint } from '../../shared/shopify/token-endpoint';
import { recordWebhookState, WEBHOOK_STATE_EVENT_TYPES } from '../../shared/shopify/webhook-state';
import { createPlatformEvent } from '../../shared/events/platform-event';

describe('ThrottleBudgets', () => {
  it('waits (cost - available) / restoreRate, refills over time, and counts reservations', () => {
    let now = 0;
    const budgets = new ThrottleBudgets(() => now);
    expect(budgets.waitMs('s', 500)).toBe(0); // nothing known yet: go
    budgets.observe('s', { maximumAvailable: 100, currentlyAvailable: 10, restoreRate: 50 });
    expect(budgets.waitMs('s', 60)).toBe(1000);
    now = 500;
    expect(budgets.waitMs('s', 60)).toBe(500);
    now = 10_000;
    expect(budgets.available('s')).toBe(100); // never above the maximum
    expect(budgets.waitMs('s', 500)).toBe(0); // a query above the maximum waits for a full bucket only
    budgets.reserve('s', 80);
    expect(budgets.waitMs('s', 60)).toBe(800);
    expect(budgets.waitMs('other', 60)).toBe(0);
  });
});

describe('CatalogSync batching', () => {
  function harness(lines: Array<Record<string, unknown>>, options: { batchSize?: number; maxBatchBytes?: number } = {}) {
    const published: OutgoingEvent[] = [];
    let state: CatalogSyncState | undefined;
    const bulk = {
      start: async () => ({ id: 'gid://shopify/BulkOperation/1', status: 'CREATED' }),
      poll: async () => ({ id: 'gid://shopify/BulkOperation/1', status: 'COMPLETED', url: 'https://storage.example/result.jsonl' }),
      download: async function* () {
        yield* lines;
      },
    } as unknown as BulkOperations;
    const sync = new CatalogSync({
      shopState: { catalogSync: async () => state, setCatalogSync: async (_shop, s) => void (state = s) },
      publisher: { publish: async (events) => (published.push(...events), 'kafka') },
      ...options,
    });
    const run = () => sync.run({ shop: 'a.myshopify.com', workspaceId: 'ws1', bulk }, { deadline: Date.now() + 600_000 });
    const batches = () => published.filter((e) => e.topic === 'ionflux.shopify.ws_ws1.products.synced').map((e) => e.event.payload_json);
    const eventIds = () => published.filter((e) => e.topic === 'ionflux.shopify.ws_ws1.products.synced').map((e) => e.event.event_id);
    return { run, batches, eventIds, state: () => state };
  }
  const product = (i: number) => ({ id: `gid://shopify/Product/${i}`, title: `P${i}` });
  const variant = (i: number, parent: number) => ({ id: `gid://shopify/ProductVariant/${i}`, sku: `S${i}`, __parentId: `gid://shopify/Product/${parent}` });

  it('batches by count, marks the last batch with the totals, and keeps event ids stable across re-runs', async () => {
    const lines = [product(1), variant(11, 1), product(2), product(3), variant(31, 3), product(4), product(5)];
    const h = harness(lines, { batchSize: 2 });
    expect(await h.run()).toMatchObject({ status: 'completed', products: 5, batches: 3 });
    const batches = h.batches();
    expect(batches.map((b) => [b.batch_index, b.product_count, b.last_batch])).toEqual([
      [0, 2, false],
      [1, 2, false],
      [2, 1, true],
    ]);
    expect(batches[2]).toMatchObject({ total_products: 5, total_batches: 3 });
    expect((batches[1]!.products as Array<{ variants: unknown[] }>)[0]!.variants).toEqual([expect.objectContaining({ id: 'gid://shopify/ProductVariant/31', sku: 'S31' })]);
    expect(h.state()).toMatchObject({ status: 'completed', products: 5, batches: 3 });

    const again = harness(lines, { batchSize: 2 });
    await again.run();
    expect(again.eventIds()).toEqual(h.eventIds());
    expect(new Set(h.eventIds()).size).toBe(3);
  });

  it('splits by serialized size and keeps variants that arrive after their product was flushed', async () => {
    const big = (i: number) => ({ ...product(i), title: 'x'.repeat(400) });
    const h = harness([big(1), big(2), variant(21, 2), big(3), variant(12, 1)], { batchSize: 100, maxBatchBytes: 700 });
    await h.run();
    const batches = h.batches();
    expect(batches.map((b) => b.product_count)).toEqual([2, 1]);
    expect(batches[1]!.late_variants).toEqual([expect.objectContaining({ product_id: 'gid://shopify/Product/1', id: 'gid://shopify/ProductVariant/12' })]);
  });
});

describe('webhook-state consumer', () => {
  function memoryState() {
    const themes: Array<[string, ThemeRecord]> = [];
    const seen: Array<[string, string, string, string]> = [];
    const webhooks: string[] = [];
    return {
      themes,
      seen,
      webhooks,
      store: {
        recordMainTheme: async (shop: string, r: ThemeRecord) => void themes.push([shop, r]),
        markOrderSeen: async (shop: string, id: string, at: string, via: string) => void seen.push([shop, id, at, via]),
        recordWebhook: async (_shop: string, at: string) => void webhooks.push(at),
      },
    };
  }
  const event = (eventType: string, data: Record<string, unknown>, source = 'webhook-shopify') =>
    createPlatformEvent({ idParts: [String(Math.random())], eventType, workspaceId: 'ws1', source, payload: { shop_domain: 'a.myshopify.com', data } });

  it('records the published main theme, ignores other roles', async () => {
    const m = memoryState();
    expect(await recordWebhookState(event('shopify.themes.publish', { id: 3, name: 'Craft', role: 'main', updated_at: '2026-11-01T00:00:00Z' }), m.store)).toBe('theme_recorded');
    expect(await recordWebhookState(event('shopify.themes.publish', { id: 4, role: 'unpublished' }), m.store)).toBe('ignored');
    expect(m.themes).toEqual([['a.myshopify.com', { theme_id: 'gid://shopify/OnlineStoreTheme/3', theme_name: 'Craft', published_at: '2026-11-01T00:00:00Z', source: 'webhook' }]]);
  });

  it('keys orders by the exact GID tail, and only webhooks move last_webhook_at', async () => {
    const m = memoryState();
    await recordWebhookState(event('shopify.orders.paid', { id: 820982911946154500, admin_graphql_api_id: 'gid://shopify/Order/820982911946154508', updated_at: '2026-11-02T00:00:00Z' }), m.store);
    await recordWebhookState(event('shopify.orders.updated', { id: '42', updated_at: '2026-11-03T00:00:00Z' }, 'shopify-reconciliation'), m.store);
    expect(await recordWebhookState(event('shopify.orders.created', { id: 1 }), m.store)).toBe('ignored'); // no updated_at
    expect(m.seen.map(([, id, , via]) => [id, via])).toEqual([
      ['820982911946154508', 'webhook-shopify'],
      ['42', 'shopify-reconciliation'],
    ]);
    expect(m.webhooks).toHaveLength(1);
  });

  it('the manifest subscribes the consumer to exactly the event types it handles', () => {
    const spec = functionById('shopify-webhook-state');
    expect('kafka' in spec.trigger && [...(spec.trigger.kafka.eventTypes ?? [])].sort()).toEqual([...WEBHOOK_STATE_EVENT_TYPES].sort());
  });
});

describe('token endpoint responses', () => {
  const app = { clientId: 'id', clientSecret: 'secret' };
  const endpoint = (body: unknown, status = 200) =>
    new ShopifyTokenEndpoint({ config: { apiOriginTemplate: 'https://{shop}' }, fetch: async () => new Response(JSON.stringify(body), { status }), clock: () => 1_000_000 });

  it('keeps the previous refresh token when a refresh response leaves it out, and assumes 1 h without expires_in', async () => {
    const tokens = await endpoint({ access_token: 'new', scope: 'write_orders' }).refresh('a.myshopify.com', 'old-refresh', app);
    expect(tokens).toMatchObject({ access_token: 'new', refresh_token: 'old-refresh', expires_at: 1_000_000 + 3600_000 });
  });

  it('reads expiring-token lifetimes from the response', async () => {
    const tokens = await endpoint({ access_token: 'a', scope: 's', expires_in: 3599, refresh_token: 'r', refresh_token_expires_in: 7_776_000 }).exchangeCode('a.myshopify.com', 'code', app);
    expect(tokens).toMatchObject({ expires_at: 1_000_000 + 3_599_000, refresh_token: 'r', refresh_token_expires_at: 1_000_000 + 7_776_000_000 });
    const legacy = await endpoint({ access_token: 'a', scope: 's' }).exchangeCode('a.myshopify.com', 'code', app);
    expect(legacy.expires_at).toBeUndefined();
    expect(legacy.refresh_token).toBeUndefined();
  });

  it('tells a refused grant from a server problem', async () => {
    await expect(endpoint({ error: 'invalid_grant' }, 400).refresh('a.myshopify.com', 'r', app)).rejects.toMatchObject({ oauthError: 'invalid_grant', httpStatus: 400 });
    await expect(endpoint({ error: 'invalid_client' }, 401).refresh('a.myshopify.com', 'r', app)).rejects.toMatchObject({ isClientProblem: true });
    await expect(endpoint({}, 503).refresh('a.myshopify.com', 'r', app)).rejects.toMatchObject({ code: 'shopify_token_error', status: 503 });
    await expect(endpoint({ scope: 'x' }).exchangeCode('a.myshopify.com', 'c', app)).rejects.toMatchObject({ message: expect.stringContaining('without an access_token') });
  });
});

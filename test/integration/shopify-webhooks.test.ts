/**
 * Shopify webhooks end to end against the real broker and moto: verified → one PlatformEvent on the
 * right topic with the right key; redeliveries → still one; forgeries → 401 and nothing; malformed →
 * 400; unknown shop → parked, then replayed; app/uninstalled → connection inactive; orders feed the
 * Sales Sentinel counters through an MSK batch.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { handler as getOrderCounters } from '../../functions/sentinel/get-order-counters';
import { handler as orderCounter } from '../../functions/sentinel/order-counter';
import { buildMskEvent } from '../../shared/events/msk-event';
import { validatePlatformEvent } from '../../shared/events/platform-event-schema';
import { topics } from '../../shared/events/topics';
import { connectionRegistry } from '../../shared/runtime/connections';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { orderCounters } from '../../shared/runtime/sentinel';
import { secretResolver, secretStore } from '../../shared/runtime/secrets';
import { table } from '../../shared/runtime/storage';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { platformSecretName } from '../../shared/secrets/names';
import { nowSeconds } from '../../shared/storage/table';
import { webhookProviders } from '../../shared/webhooks/providers';
import { replayParked } from '../../shared/webhooks/replay';
import { lambdaContext } from '../../local/lambda-context';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { invokeHttp } from '../support/http';
import { configureShopifySecret, sendShopifyWebhook, SHOPIFY_SECRET } from '../support/shopify';

/** The all-workspaces topic is shared by every run on the broker: read it from this file's start only. */
const fileStartedAt = Date.now() - 1000;

const newShop = () => `shop-${randomUUID().slice(0, 8)}.myshopify.com`;
async function connectedShop(): Promise<{ shop: string; ws: string }> {
  const shop = newShop();
  const ws = newWorkspaceId('shop');
  await connectionRegistry().connect('shopify', shop, ws);
  return { shop, ws };
}
const eventsIn = async (topic: string, since?: number) => (await eventBus().readAll(topic, since === undefined ? {} : { since })).map((r) => ({ ...r, event: JSON.parse(r.value) }));

beforeAll(async () => {
  await useLocalServices();
  await configureShopifySecret();
});
afterAll(() => resetEnvironment());

describe('Shopify webhooks (real Kafka + moto)', () => {
  it('publishes exactly one PlatformEvent to the workspace topic, keyed by the entity id', async () => {
    const { shop, ws } = await connectedShop();
    const order = { id: 820982911946154500, total_price: '59.80', currency: 'USD', created_at: '2026-11-25T09:59:00-05:00' };
    const triggeredAt = new Date(Date.now() - 3_600_000).toISOString(); // an hour ago: within Shopify's retries
    const response = await sendShopifyWebhook({ topic: 'orders/create', shop, payload: order, eventId: 'evt-1', headers: { 'x-shopify-triggered-at': triggeredAt } });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'accepted', deliveries: [{ status: 'accepted', via: 'kafka', kind: 'orders/create' }] });

    const topic = topics.shopify(ws, 'orders/create');
    expect(topic).toBe(`ionflux.shopify.ws_${ws}.orders.created`);
    const records = await eventsIn(topic);
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record!.key).toBe('820982911946154500');
    expect(record!.headers).toMatchObject({ event_type: 'shopify.orders.created', payload_schema_version: '1' });
    expect(record!.event).toMatchObject({
      event_type: 'shopify.orders.created',
      workspace_id: ws,
      source_service_name: 'webhook-shopify',
      timestamp: triggeredAt,
      payload_json: { shop_domain: shop, shopify_topic: 'orders/create', shopify_event_id: 'evt-1', data: order },
    });
    expect(response.json.deliveries[0].event_ids).toEqual([record!.event.event_id]);
    // …and on the all-workspaces fan-in topic, for platform consumers.
    const fanIn = (await eventsIn(topics.shopifyAllWorkspaces(), fileStartedAt)).filter((r) => r.event.workspace_id === ws);
    expect(fanIn.map((r) => r.event.event_id)).toEqual([record!.event.event_id]);
  });

  it('ignores an X-Shopify-Triggered-At that is not a plausible instant (it is not signed): stamped on arrival, readable by consumers', async () => {
    const { shop, ws } = await connectedShop();
    for (const [i, triggeredAt] of ['+010000-01-01T00:00:00Z', '12000-01-01', 'yesterday', '9999-12-31T23:00:00-05:00'].entries()) {
      const before = Date.now();
      const response = await sendShopifyWebhook({ topic: 'orders/create', shop, payload: { id: 9100 + i }, headers: { 'x-shopify-triggered-at': triggeredAt } });
      expect(response.json.status).toBe('accepted');
      const [record] = (await eventsIn(topics.shopify(ws, 'orders/create'))).filter((r) => r.event.payload_json.data.id === 9100 + i);
      // What a consumer does with every record: the schema accepts it.
      expect(validatePlatformEvent(record!.event).payload_json).toMatchObject({ triggered_at: null });
      expect(Date.parse(record!.event.timestamp)).toBeGreaterThanOrEqual(before - 1000);
    }
  });

  it('acknowledges the same webhook delivered three times but publishes it once', async () => {
    const { shop, ws } = await connectedShop();
    const payload = { id: 42, total_price: '10.00' };
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push(await sendShopifyWebhook({ topic: 'orders/paid', shop, payload, eventId: 'evt-same', webhookId: `delivery-${i}` }));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(responses.map((r) => r.json.status)).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(await eventsIn(topics.shopify(ws, 'orders/paid'))).toHaveLength(1);
  });

  it('answers 401 and publishes nothing for forged, truncated or re-serialized bodies', async () => {
    const { shop, ws } = await connectedShop();
    const body = '{"id":7,  "note":"café ☕","total_price":"1.00"}';
    const signature = createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64');
    const control = await sendShopifyWebhook({ topic: 'orders/create', shop, body, signature });
    expect(control.status).toBe(200); // the untouched body verifies
    const forged = await sendShopifyWebhook({ topic: 'orders/create', shop, body, secret: 'not-the-secret' });
    const cut = await sendShopifyWebhook({ topic: 'orders/create', shop, body: body.slice(0, -1), signature });
    const reserialized = await sendShopifyWebhook({ topic: 'orders/create', shop, body: JSON.stringify(JSON.parse(body)), signature });
    const missing = await sendShopifyWebhook({ topic: 'orders/create', shop, body, headers: { 'x-shopify-hmac-sha256': undefined } });
    const compliance = await sendShopifyWebhook({ topic: 'customers/redact', shop, payload: { customer: { id: 1 } }, secret: 'wrong' });
    for (const [result, code] of [
      [forged, 'invalid_signature'],
      [cut, 'invalid_signature'],
      [reserialized, 'invalid_signature'],
      [missing, 'missing_signature'],
      [compliance, 'invalid_signature'],
    ] as const) {
      expect(result.status).toBe(401);
      expect(result.json.error.code).toBe(code);
    }
    expect(await eventsIn(topics.shopify(ws, 'orders/create'))).toHaveLength(1);
    expect(await eventsIn(topics.shopify(ws, 'customers/redact'))).toHaveLength(0);
  });

  it('answers 400 for a correctly signed delivery that is malformed, and 413 over 6 MB', async () => {
    const { shop } = await connectedShop();
    const noTopic = await sendShopifyWebhook({ topic: 'orders/create', shop, headers: { 'x-shopify-topic': undefined } });
    expect(noTopic.status).toBe(400);
    expect(noTopic.json.error.message).toContain('X-Shopify-topic');
    const badJson = await sendShopifyWebhook({ topic: 'orders/create', shop, body: '{"id": 1,' });
    expect(badJson.status).toBe(400);
    expect(badJson.json.error.message).toContain('not valid JSON');
    const badShop = await sendShopifyWebhook({ topic: 'orders/create', shop: 'evil.example.com' });
    expect(badShop.status).toBe(400);
    const badTopic = await sendShopifyWebhook({ topic: 'ORDERS', shop });
    expect(badTopic.status).toBe(400);
    const huge = await sendShopifyWebhook({ topic: 'products/update', shop, body: `{"x":"${'a'.repeat(6 * 1024 * 1024)}"}` });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe('payload_too_large');
  });

  it('parks a verified webhook for a shop no workspace owns, and replays it once the shop is connected', async () => {
    const shop = newShop();
    const response = await sendShopifyWebhook({ topic: 'products/create', shop, payload: { id: 632910392, title: 'IPod' } });
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('parked');
    const parked = await webhookDeps().parked.list({ provider: 'shopify', accountId: shop });
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ kind: 'products/create', reason: expect.stringContaining('no workspace') });
    // The account in another spelling finds it; an account without its provider is refused, not "everything".
    expect(await webhookDeps().parked.list({ provider: 'shopify', accountId: `https://${shop.toUpperCase()}/` })).toHaveLength(1);
    await expect(webhookDeps().parked.list({ accountId: shop })).rejects.toMatchObject({ code: 'invalid_parked_filter', status: 400 });

    // Not yet connected: replay leaves it parked.
    expect((await replayParked(webhookProviders, webhookDeps(), { deadline: Date.now() + 10_000, provider: 'shopify', accountId: shop })).stillParked).toBe(1);

    const ws = newWorkspaceId('late');
    await connectionRegistry().connect('shopify', shop, ws);
    const report = await replayParked(webhookProviders, webhookDeps(), { deadline: Date.now() + 10_000, provider: 'shopify', accountId: shop });
    expect(report).toMatchObject({ replayed: 1, failed: 0 });
    const records = await eventsIn(topics.shopify(ws, 'products/create'));
    expect(records).toHaveLength(1);
    expect(records[0]!.key).toBe('632910392');
    expect(await webhookDeps().parked.list({ provider: 'shopify', accountId: shop })).toHaveLength(0);
  });

  it('parks a large body that compresses poorly (over one 4 MB transaction) and gives it back byte for byte', async () => {
    const store = webhookDeps().parked;
    const rawBody = randomBytes(3 * 1024 * 1024 + 12_345); // gzip+base64 ≈ 4.2 MB: 15 parts
    const shop = newShop();
    const id = await store.park({ provider: 'shopify', account_id: shop, reason: 'test', kind: 'products/update', dedup_key: `big-${shop}`, received_at: new Date().toISOString(), headers: { 'x-shopify-topic': 'products/update' }, rawBody });
    const [parked] = await store.list({ provider: 'shopify', accountId: shop });
    expect(parked!.id).toBe(id);
    expect(parked!.rawBody.equals(rawBody)).toBe(true);
    await store.remove(parked!);
    expect(await store.list({ provider: 'shopify', accountId: shop })).toEqual([]);
  }, 60_000);

  it('marks the connection inactive on app/uninstalled, and still routes later compliance webhooks', async () => {
    const { shop, ws } = await connectedShop();
    expect((await sendShopifyWebhook({ topic: 'app/uninstalled', shop, payload: { id: 548380009, domain: 'shop.example.com', myshopify_domain: shop } })).status).toBe(200);
    expect(await connectionRegistry().get('shopify', shop)).toMatchObject({ status: 'inactive', status_reason: expect.stringContaining('app/uninstalled') });
    expect(await eventsIn(topics.shopify(ws, 'app/uninstalled'))).toHaveLength(1);
    const redact = await sendShopifyWebhook({ topic: 'shop/redact', shop, payload: { shop_id: 954889, shop_domain: shop } });
    expect(redact.json.status).toBe('accepted');
    const [record] = await eventsIn(topics.shopify(ws, 'shop/redact'));
    expect(record?.key).toBe('954889');
  });

  it('ignores an app/uninstalled that predates the current install (a late retry of an old one)', async () => {
    const { shop, ws } = await connectedShop();
    const before = new Date(Date.now() - 60_000).toISOString();
    const late = await sendShopifyWebhook({ topic: 'app/uninstalled', shop, payload: { id: 1, myshopify_domain: shop, updated_at: before }, headers: { 'x-shopify-triggered-at': before } });
    expect(late.json.status).toBe('accepted'); // still published: consumers see it happened
    expect(await connectionRegistry().get('shopify', shop)).toMatchObject({ status: 'active' });
    const now = await sendShopifyWebhook({ topic: 'app/uninstalled', shop, payload: { id: 1, myshopify_domain: shop }, headers: { 'x-shopify-triggered-at': new Date(Date.now() + 1000).toISOString() } });
    expect(now.json.status).toBe('accepted');
    expect(await connectionRegistry().get('shopify', shop)).toMatchObject({ status: 'inactive' });
  });

  it('a parked app/uninstalled without a timestamp, replayed after the shop is connected, does not disconnect the new install', async () => {
    const shop = newShop();
    const parked = await sendShopifyWebhook({ topic: 'app/uninstalled', shop, payload: { id: 1, myshopify_domain: shop }, headers: { 'x-shopify-triggered-at': '' } });
    expect(parked.json.status).toBe('parked');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await connectionRegistry().connect('shopify', shop, newWorkspaceId('reinstall'));
    const report = await replayParked(webhookProviders, webhookDeps(), { deadline: Date.now() + 10_000, provider: 'shopify', accountId: shop });
    expect(report).toMatchObject({ replayed: 1, failed: 0 });
    expect(await connectionRegistry().get('shopify', shop)).toMatchObject({ status: 'active' });
  });

  it('accepts the Events product headers (shopify-* without the X- prefix)', async () => {
    const { shop, ws } = await connectedShop();
    const body = JSON.stringify({ id: 99, available: 1, inventory_item_id: 5, location_id: 6 });
    const response = await sendShopifyWebhook({
      topic: 'inventory_levels/update',
      shop,
      body,
      headers: {
        'x-shopify-topic': undefined,
        'x-shopify-shop-domain': undefined,
        'x-shopify-hmac-sha256': undefined,
        'x-shopify-webhook-id': undefined,
        'x-shopify-event-id': undefined,
        'shopify-topic': 'inventory_levels/update',
        'shopify-shop-domain': shop,
        'shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64'),
        'shopify-webhook-id': 'wh-1',
      },
    });
    expect(response.json.status).toBe('accepted');
    expect((await eventsIn(topics.shopify(ws, 'inventory_levels/update')))[0]?.key).toBe('5:6');
  });

  it('tells a retry to come back while another invocation holds the claim, and takes over an expired one', async () => {
    const { shop } = await connectedShop();
    const key = `shopify:${shop}:orders/create:${createHash('sha256').update(JSON.stringify({ id: 1 })).digest('base64url')}`;
    await table('webhook-dedup').put({ pk: key, state: 'processing', lease_until: Date.now() + 60_000, expires_at: nowSeconds() + 3600 });
    const busy = await sendShopifyWebhook({ topic: 'orders/create', shop, eventId: 'evt-busy' });
    expect(busy.status).toBe(409);
    expect(busy.headers['retry-after']).toBe('10');
    await table('webhook-dedup').put({ pk: key, state: 'processing', lease_until: Date.now() - 1, expires_at: nowSeconds() + 3600 });
    expect((await sendShopifyWebhook({ topic: 'orders/create', shop, eventId: 'evt-busy' })).json.status).toBe('accepted');
  });

  it('answers 500 when the Shopify client secret is not configured, without naming it (a public route: the name is in the logs)', async () => {
    const { shop } = await connectedShop();
    await secretStore().put(platformSecretName(secretRoot(), 'shopify'), '{}');
    secretResolver().invalidate(platformSecretName(secretRoot(), 'shopify')); // the webhook's resolver: drop its cached value
    try {
      const response = await sendShopifyWebhook({ topic: 'orders/create', shop });
      expect(response.status).toBe(500);
      expect(response.json.error).toEqual({ code: 'internal_error', message: expect.any(String), request_id: expect.any(String) });
      expect(response.text).not.toContain(secretRoot());
    } finally {
      await configureShopifySecret();
      secretResolver().invalidate(platformSecretName(secretRoot(), 'shopify'));
    }
  });

  it('feeds the Sales Sentinel counters from orders.created, counting each event once', async () => {
    const { shop, ws } = await connectedShop();
    for (const [i, price] of ['10.00', '5.50'].entries()) {
      await sendShopifyWebhook({ topic: 'orders/create', shop, payload: { id: 1000 + i, total_price: price, currency: 'EUR', created_at: `2026-11-2${i}T12:00:00+01:00` } });
    }
    await sendShopifyWebhook({ topic: 'orders/paid', shop, payload: { id: 1000, total_price: '10.00' } });
    const records = (await eventBus().readAll(topics.shopifyAllWorkspaces(), { since: fileStartedAt })).filter((r) => JSON.parse(r.value).workspace_id === ws);
    const event = buildMskEvent(
      records.map((r) => ({ ...r, offset: Number(r.offset) })),
      { clusterArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' },
    );
    // Delivered twice (an event-source retry): counted once.
    for (let i = 0; i < 2; i++) expect(await orderCounter(event as never, lambdaContext('sentinel-order-counter', 60))).toEqual({ batchItemFailures: [] });
    const view = await orderCounters().read(ws);
    expect(view.totals).toMatchObject({ orders: 2, gross_sales: '15.50', gross_sales_hundredths: 1550, currency: 'EUR' });
    expect(view.days).toEqual([
      { date: '2026-11-21', orders: 1, gross_sales: '5.50', gross_sales_hundredths: 550, currency: 'EUR' },
      { date: '2026-11-20', orders: 1, gross_sales: '10.00', gross_sales_hundredths: 1000, currency: 'EUR' },
    ]);
  });

  it('keeps the Sentinel counters exact whatever total_price and created_at say: huge sums stay exact, nonsense is counted as such', async () => {
    const { shop, ws } = await connectedShop();
    const orders = [
      { id: 2001, total_price: '10.00', currency: 'EUR', created_at: '2026-11-20T12:00:00+01:00' },
      { id: 2002, total_price: '9'.repeat(400), currency: 'EUR', created_at: '2026-11-20T13:00:00+01:00' }, // used to wipe the 10.00
      { id: 2003, total_price: '12345678901234567890', currency: 'EUR', created_at: '2026-11-20T14:00:00+01:00' }, // used to show as 1e+22
      { id: 2004, total_price: '999999999999999.99', currency: 'EUR', created_at: '9999-99-99' }, // used to create day 9999-99-99
      { id: 2005, total_price: '999999999999999.99', currency: 'EUR', created_at: '2026-11-21T09:00:00+01:00' },
    ];
    for (const order of orders) expect((await sendShopifyWebhook({ topic: 'orders/create', shop, payload: order })).json.status).toBe('accepted');
    const records = (await eventBus().readAll(topics.shopifyAllWorkspaces(), { since: fileStartedAt })).filter((r) => JSON.parse(r.value).workspace_id === ws);
    const event = buildMskEvent(
      records.map((r) => ({ ...r, offset: Number(r.offset) })),
      { clusterArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' },
    );
    expect(await orderCounter(event as never, lambdaContext('sentinel-order-counter', 60))).toEqual({ batchItemFailures: [] });
    const view = await orderCounters().read(ws);
    // 10.00 + 2 × 999,999,999,999,999.99, to the cent (past what a double holds: no hundredths number then).
    expect(view.totals).toMatchObject({ orders: 5, gross_sales: '2000000000000009.98', orders_with_invalid_amount: 2, orders_with_invalid_date: 1 });
    expect(view.totals.gross_sales_hundredths).toBeUndefined();
    expect(view.totals.last_invalid?.problem).toMatch(/not a real date/);
    expect(JSON.stringify(view)).not.toMatch(/\de\+|Infinity|NaN/);
    expect(view.days.map((d) => d.date)).not.toContain('9999-99-99');
    const today = new Date().toISOString().slice(0, 10);
    expect(view.days.map((d) => [d.date, d.orders, d.gross_sales])).toEqual(
      expect.arrayContaining([
        ['2026-11-21', 1, '999999999999999.99'],
        ['2026-11-20', 3, '10.00'],
      ]),
    );
    expect(view.days.find((d) => d.date !== '2026-11-21' && d.date !== '2026-11-20')).toMatchObject({ orders: 1, orders_with_invalid_date: 1, gross_sales: '999999999999999.99' });
    expect([today, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]).toContain(view.days.find((d) => d.orders_with_invalid_date)!.date);
    // Through the API, as the agents read it.
    const api = await invokeHttp(getOrderCounters as never, { method: 'GET', rawPath: `/v1/sentinel/workspaces/${ws}/order-counters`, pathParameters: { workspace_id: ws } });
    expect(api.status).toBe(200);
    expect(api.json.totals.gross_sales).toBe('2000000000000009.98');
  });
});

describe('Shopify webhook replays (headers are not signed)', () => {
  it('a captured body replayed with a fresh X-Shopify-Event-Id and webhook id yields no second event', async () => {
    const { shop, ws } = await connectedShop();
    const payload = { id: 5001, total_price: '12.00', updated_at: new Date().toISOString() };
    const first = await sendShopifyWebhook({ topic: 'orders/create', shop, payload, eventId: 'evt-original', webhookId: 'wh-original' });
    const replay = await sendShopifyWebhook({ topic: 'orders/create', shop, payload, eventId: randomUUID(), webhookId: randomUUID() });
    expect([first.json.status, replay.json.status]).toEqual(['accepted', 'duplicate']);
    expect(await eventsIn(topics.shopify(ws, 'orders/create'))).toHaveLength(1);
    // Per shop and topic: the same bytes under another topic are another delivery.
    expect((await sendShopifyWebhook({ topic: 'orders/paid', shop, payload, eventId: 'evt-original' })).json.status).toBe('accepted');
  });

  it('refuses a delivery triggered longer ago than the 48-hour replay window, and accepts one just inside it', async () => {
    const { shop, ws } = await connectedShop();
    const old = new Date(Date.now() - 49 * 3_600_000).toISOString();
    const stale = await sendShopifyWebhook({ topic: 'orders/create', shop, payload: { id: 5101 }, headers: { 'x-shopify-triggered-at': old } });
    expect(stale.status).toBe(400);
    expect(stale.json.error).toMatchObject({ code: 'stale_webhook', details: { triggered_at: old, window_seconds: 172_800 } });
    const recent = new Date(Date.now() - 47 * 3_600_000).toISOString();
    expect((await sendShopifyWebhook({ topic: 'orders/create', shop, payload: { id: 5102 }, headers: { 'x-shopify-triggered-at': recent } })).json.status).toBe('accepted');
    expect((await eventsIn(topics.shopify(ws, 'orders/create'))).map((r) => r.event.payload_json.data.id)).toEqual([5102]);
  });

  it('app/uninstalled disconnects only the shop its signed payload names', async () => {
    const victim = await connectedShop();
    const other = await connectedShop();
    // A genuine uninstall of another shop, re-addressed to the victim through the (unsigned) header.
    const rerouted = await sendShopifyWebhook({ topic: 'app/uninstalled', shop: victim.shop, payload: { id: 7, myshopify_domain: other.shop } });
    expect(rerouted.status).toBe(400);
    expect(rerouted.json.error.message).toContain(other.shop);
    // A payload that names no shop is published (consumers decide) but disconnects nothing.
    const anonymous = await sendShopifyWebhook({ topic: 'app/uninstalled', shop: victim.shop, payload: { id: 8 } });
    expect(anonymous.json.status).toBe('accepted');
    expect(await connectionRegistry().get('shopify', victim.shop)).toMatchObject({ status: 'active' });
    // Compliance payloads name the shop too (shop_domain): the same rule.
    expect((await sendShopifyWebhook({ topic: 'shop/redact', shop: victim.shop, payload: { shop_id: 1, shop_domain: other.shop } })).status).toBe(400);
    const genuine = await sendShopifyWebhook({ topic: 'app/uninstalled', shop: victim.shop, payload: { id: 9, myshopify_domain: victim.shop.toUpperCase() } });
    expect(genuine.json.status).toBe('accepted');
    expect(await connectionRegistry().get('shopify', victim.shop)).toMatchObject({ status: 'inactive' });
  });

  it('refuses a signed body nested 5,000 levels deep with 400 naming the limit, before anything is published', async () => {
    const { shop, ws } = await connectedShop();
    const body = `{"id":6001,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      // Shopify would retry a 5xx: the answer is the same 400 every time.
      const response = await sendShopifyWebhook({ topic: 'orders/create', shop, body });
      expect(response.status).toBe(400);
      expect(response.json.error).toMatchObject({ code: 'malformed_webhook', details: { max_depth: 64 } });
      expect(response.json.error.message).toContain('64 levels');
    }
    // Brackets inside strings are text, not nesting.
    const textual = await sendShopifyWebhook({ topic: 'orders/create', shop, payload: { id: 6002, note: '['.repeat(5000) } });
    expect(textual.json.status).toBe('accepted');
    expect((await eventsIn(topics.shopify(ws, 'orders/create'))).map((r) => r.event.payload_json.data.id)).toEqual([6002]);
  });
});

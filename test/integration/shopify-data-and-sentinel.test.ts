/**
 * The internal routes agents call, through the real handlers, against the fake Shopify with moto and
 * Kafka: data access (PII only when asked — not even requested from Shopify otherwise), and the Sales
 * Sentinel actions — theme rollback (history from the install and from a themes/publish webhook that
 * went through the real webhook route, Kafka and the webhook-state consumer) and script tag deletion,
 * each with a dry run that changes nothing, each real run audited on Kafka.
 */
import { handler as dataHandler } from '../../functions/shopify/data';
import { handler as scriptTagsHandler } from '../../functions/shopify/script-tags-deactivate';
import { handler as rollbackHandler } from '../../functions/shopify/theme-rollback';
import { handler as webhookStateHandler } from '../../functions/shopify/webhook-state';
import { topics } from '../../shared/events/topics';
import { shopStateStore } from '../../shared/runtime/shopify';
import { newWorkspaceId } from '../support/environment';
import { invokeHttp } from '../support/http';
import { sendShopifyWebhook } from '../support/shopify';
import type { FakeShopify } from '../fakes/shopify/fake-shopify';
import { asHandler, deliverFanIn, eventsOf, installShop, newShopDomain, seedInstalledShop, startShopifyEnvironment, stopShopifyEnvironment } from '../fakes/shopify/harness';

let fake: FakeShopify;

beforeAll(async () => {
  fake = await startShopifyEnvironment();
});
afterAll(() => stopShopifyEnvironment(fake));

const caller = { userArn: 'arn:aws:iam::000000000000:role/agent-service', accountId: '000000000000' };

const getData = (ws: string, resource: string, query = '') =>
  invokeHttp(asHandler(dataHandler), {
    method: 'GET',
    rawPath: `/v1/shopify/workspaces/${ws}/${resource}`,
    routeKey: 'GET /v1/shopify/workspaces/{workspace_id}/{resource}',
    pathParameters: { workspace_id: ws, resource },
    rawQueryString: query,
    iamCaller: caller,
  }, 29);

const post = (handler: unknown, path: string, routeKey: string, ws: string, body: unknown) =>
  invokeHttp(asHandler(handler), {
    method: 'POST',
    rawPath: path,
    routeKey,
    pathParameters: { workspace_id: ws },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    iamCaller: caller,
  }, 29);

const rollback = (ws: string, body: unknown) => post(rollbackHandler, `/v1/shopify/workspaces/${ws}/themes/rollback`, 'POST /v1/shopify/workspaces/{workspace_id}/themes/rollback', ws, body);
const deactivate = (ws: string, body: unknown) =>
  post(scriptTagsHandler, `/v1/shopify/workspaces/${ws}/script-tags/deactivate`, 'POST /v1/shopify/workspaces/{workspace_id}/script-tags/deactivate', ws, body);

const customer = { id: 501, firstName: 'Ana', lastName: 'Silva', email: 'ana.silva@example.com', phone: '+351911111111' };

describe('Shopify data access routes', () => {
  const shop = newShopDomain('data');
  const ws = newWorkspaceId('data');

  beforeAll(async () => {
    await seedInstalledShop(fake, shop, ws, {
      data: {
        currency: 'USD',
        timezone: 'America/New_York',
        orders: [
          { id: 9001, name: '#1001', createdAt: '2026-11-20T10:00:00Z', updatedAt: '2026-11-20T10:05:00Z', total: '59.80', customer, lineItems: [{ id: 1, title: 'Mug', quantity: 2, sku: 'MUG', price: '29.90' }] },
          { id: 9002, name: '#1002', createdAt: '2026-11-21T10:00:00Z', updatedAt: '2026-11-22T08:00:00Z', total: '10.00', status: 'cancelled' },
        ],
        products: [{ id: 77, title: 'Mug', variants: [{ id: 771, sku: 'MUG', price: '29.90', inventoryQuantity: 12 }] }],
        customers: [customer],
        scriptTags: [{ id: 5, src: 'https://cdn.example.com/a.js' }],
      },
    });
  });

  it('shop: currency and timezone', async () => {
    const response = await getData(ws, 'shop');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      workspace_id: ws,
      shop: expect.objectContaining({ shop_domain: shop, currency: 'USD', timezone: 'America/New_York' }),
    });
    expect(response.json.shop).not.toHaveProperty('contact_email');
    expect((await getData(ws, 'shop', 'include_pii=true')).json.shop.contact_email).toBe(`owner@${shop}`);
  });

  it('orders: no personal data unless include_pii=true — not even asked of Shopify', async () => {
    const plain = await getData(ws, 'orders');
    expect(plain.status).toBe(200);
    expect(plain.json).toMatchObject({ shop_domain: shop, resource: 'orders', pii_included: false, page: { limit: 25, next_cursor: null } });
    expect(plain.json.items.map((o: { name: string }) => o.name)).toEqual(['#1002', '#1001']); // newest update first
    expect(plain.json.items[1]).toMatchObject({ legacy_id: '9001', total_price: { amount: '59.80', currency: 'USD' }, customer_id: 'gid://shopify/Customer/501' });
    expect(plain.text).not.toContain('ana.silva');
    expect(plain.text).not.toContain('Silva');
    expect(plain.text).not.toContain('Rua Augusta');
    const asked = fake.requests.filter((r) => r.shop === shop && r.rootFields?.includes('orders')).at(-1)!;
    expect(asked.query).not.toMatch(/email|firstName|shippingAddress|phone/);

    const withPii = await getData(ws, 'orders', 'include_pii=true&include_line_items=true&limit=10');
    expect(withPii.json.pii_included).toBe(true);
    expect(withPii.json.items[1]).toMatchObject({
      email: 'ana.silva@example.com',
      customer: { first_name: 'Ana', last_name: 'Silva', email: 'ana.silva@example.com' },
      shipping_address: expect.objectContaining({ city: 'Lisboa' }),
      line_items: [expect.objectContaining({ title: 'Mug', quantity: 2, unit_price: { amount: '29.90', currency: 'USD' } })],
      line_items_truncated: false,
    });

    const filtered = await getData(ws, 'orders', `updated_since=${encodeURIComponent('2026-11-21T00:00:00Z')}&status=cancelled`);
    expect(filtered.json.items.map((o: { name: string }) => o.name)).toEqual(['#1002']);
    const paged = await getData(ws, 'orders', 'limit=1');
    expect(paged.json.page.next_cursor).toEqual(expect.any(String));
    const next = await getData(ws, 'orders', `limit=1&cursor=${encodeURIComponent(paged.json.page.next_cursor)}`);
    expect(next.json.items.map((o: { name: string }) => o.name)).toEqual(['#1001']);
  });

  it('customers, products, inventory, themes and script tags', async () => {
    const customers = await getData(ws, 'customers');
    expect(customers.json.items[0]).toMatchObject({ id: 'gid://shopify/Customer/501', amount_spent: { amount: '99.90', currency: 'USD' } });
    expect(customers.text).not.toContain('ana.silva');
    expect((await getData(ws, 'customers', 'include_pii=1')).json.items[0]).toMatchObject({ email: 'ana.silva@example.com', phone: '+351911111111', first_name: 'Ana' });

    const products = await getData(ws, 'products');
    expect(products.json.items).toEqual([expect.objectContaining({ title: 'Mug', total_inventory: 12, variants: [expect.objectContaining({ sku: 'MUG', price: '29.90', inventory_quantity: 12 })], variants_truncated: false })]);
    const inventory = await getData(ws, 'inventory');
    expect(inventory.json.items[0]).toMatchObject({ sku: 'MUG', levels: [{ location_name: 'Warehouse', available: 12, on_hand: 12, committed: 0 }] });
    const themes = await getData(ws, 'themes');
    expect(themes.json.themes).toEqual([expect.objectContaining({ id: 'gid://shopify/OnlineStoreTheme/1', role: 'MAIN' })]);
    const tags = await getData(ws, 'script_tags');
    expect(tags.json.script_tags).toEqual([expect.objectContaining({ id: 'gid://shopify/ScriptTag/5', src: 'https://cdn.example.com/a.js' })]);
  });

  it('answers clear errors: unknown resource, bad parameters, no shop, several shops', async () => {
    expect((await getData(ws, 'refunds')).json.error).toMatchObject({ code: 'unknown_resource' });
    expect((await getData(ws, 'orders', 'limit=500')).json.error).toMatchObject({ code: 'invalid_limit' });
    expect((await getData(ws, 'orders', 'updated_since=yesterday')).json.error).toMatchObject({ code: 'invalid_date' });
    expect((await getData(ws, 'orders', 'include_pii=maybe')).status).toBe(400);
    const none = await getData(newWorkspaceId('empty'), 'orders');
    expect(none.status).toBe(404);
    expect(none.json.error.code).toBe('shop_not_connected');
    const multi = newWorkspaceId('multi');
    const [a, b] = [newShopDomain('a'), newShopDomain('b')];
    await seedInstalledShop(fake, a, multi);
    await seedInstalledShop(fake, b, multi);
    const ambiguous = await getData(multi, 'shop');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error.details.shops.sort()).toEqual([a, b].sort());
    expect((await getData(multi, 'shop', `shop=${b}`)).json.shop.shop_domain).toBe(b);
    expect((await getData(multi, 'shop', `shop=${shop}`)).status).toBe(404); // another workspace's shop
  });
});

describe('Sales Sentinel: theme rollback', () => {
  it('rolls back to the theme that was main before the last themes/publish (dry run first)', async () => {
    const shop = newShopDomain('theme');
    const ws = newWorkspaceId('theme');
    fake.addShop(shop, {
      themes: [
        { id: 1, name: 'Dawn', role: 'MAIN' },
        { id: 2, name: 'Sense', role: 'UNPUBLISHED' },
        { id: 3, name: 'Craft (broken)', role: 'UNPUBLISHED' },
      ],
    });
    expect((await installShop(shop, ws)).response.status).toBe(200); // records Dawn as main

    // The merchant publishes Craft in the Shopify admin; the webhook goes through our real route.
    for (const t of fake.shop(shop).themes) t.role = t.id === 3 ? 'MAIN' : 'UNPUBLISHED';
    const webhook = await sendShopifyWebhook({
      topic: 'themes/publish',
      shop,
      payload: { id: 3, name: 'Craft (broken)', role: 'main', updated_at: new Date(Date.now() + 1000).toISOString(), admin_graphql_api_id: 'gid://shopify/OnlineStoreTheme/3' },
    });
    expect(webhook.json.status).toBe('accepted');
    expect(await deliverFanIn(webhookStateHandler, ws, 'shopify-webhook-state')).toEqual({ batchItemFailures: [] });
    expect((await shopStateStore().themeHistory(shop)).map((h) => [h.theme_id, h.source])).toEqual([
      ['gid://shopify/OnlineStoreTheme/3', 'webhook'],
      ['gid://shopify/OnlineStoreTheme/1', 'install'],
    ]);

    // Dry run: the plan, and nothing changes.
    const dry = await rollback(ws, { dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({
      dry_run: true,
      current_main_theme: { id: 'gid://shopify/OnlineStoreTheme/3', name: 'Craft (broken)' },
      target_theme: { id: 'gid://shopify/OnlineStoreTheme/1', name: 'Dawn' },
      changes: [expect.stringContaining('publish theme gid://shopify/OnlineStoreTheme/1')],
    });
    expect(fake.shop(shop).themes.find((t) => t.role === 'MAIN')!.id).toBe(3);
    expect(fake.count('graphql', (r) => r.shop === shop && Boolean(r.rootFields?.includes('themePublish')))).toBe(0);
    expect(await eventsOf(topics.shopify(ws, 'themes/rolled_back'))).toHaveLength(0);

    // Guard: the caller judged theme 2 bad, but 3 is main — refused, nothing changes.
    const guarded = await rollback(ws, { expected_current_theme_id: 2 });
    expect(guarded.status).toBe(409);
    expect(guarded.json.error.code).toBe('main_theme_changed');

    const real = await rollback(ws, { expected_current_theme_id: 3, reason: 'conversion dropped 40% after publish', requested_by: 'agent-004' });
    expect(real.status).toBe(200);
    expect(real.json).toMatchObject({ dry_run: false, published_theme: { id: 'gid://shopify/OnlineStoreTheme/1', role: 'MAIN' }, audit_event_id: expect.any(String) });
    expect(fake.shop(shop).themes.find((t) => t.role === 'MAIN')!.id).toBe(1);
    const [audit] = await eventsOf(topics.shopify(ws, 'themes/rolled_back'));
    expect(audit!.event).toMatchObject({
      event_id: real.json.audit_event_id,
      event_type: 'shopify.themes.rolled_back',
      payload_json: {
        shop_domain: shop,
        previous_main_theme: { id: 'gid://shopify/OnlineStoreTheme/3' },
        published_theme: { id: 'gid://shopify/OnlineStoreTheme/1' },
        reason: 'conversion dropped 40% after publish',
        requested_by: `agent-004 via ${caller.userArn}`,
      },
    });
    expect((await shopStateStore().themeHistory(shop))[0]).toMatchObject({ theme_id: 'gid://shopify/OnlineStoreTheme/1', source: 'rollback' });
  });

  it('refuses when no earlier main theme is known', async () => {
    const shop = newShopDomain('fresh');
    const ws = newWorkspaceId('fresh');
    fake.addShop(shop, { themes: [{ id: 1, name: 'Dawn', role: 'MAIN' }, { id: 2, name: 'Sense', role: 'UNPUBLISHED' }] });
    expect((await installShop(shop, ws)).response.status).toBe(200);
    const response = await rollback(ws, {});
    expect(response.status).toBe(409);
    expect(response.json.error).toMatchObject({ code: 'no_previous_theme', details: { current_main_theme: { id: 'gid://shopify/OnlineStoreTheme/1' } } });
    // An explicit target is allowed.
    const explicit = await rollback(ws, { target_theme_id: 2, dry_run: true });
    expect(explicit.json.target_theme).toMatchObject({ id: 'gid://shopify/OnlineStoreTheme/2' });
  });
});

describe('Sales Sentinel: script tag deactivation', () => {
  it('lists first, deletes the matching tags, reports what it could not find; dry run changes nothing', async () => {
    const shop = newShopDomain('tags');
    const ws = newWorkspaceId('tags');
    await seedInstalledShop(fake, shop, ws, {
      data: {
        scriptTags: [
          { id: 11, src: 'https://cdn.bad-tracker.example/track.js' },
          { id: 12, src: 'https://cdn.good.example/widget.js' },
          { id: 13, src: 'https://CDN.BAD-TRACKER.example/pixel.js' },
        ],
      },
    });
    const dry = await deactivate(ws, { src_contains: 'bad-tracker', dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ dry_run: true, listed: 3, would_delete: [{ id: 'gid://shopify/ScriptTag/11' }, { id: 'gid://shopify/ScriptTag/13' }] });
    expect(fake.shop(shop).scriptTags).toHaveLength(3);
    expect(fake.count('graphql', (r) => r.shop === shop && Boolean(r.rootFields?.includes('scriptTagDelete')))).toBe(0);
    expect(await eventsOf(topics.shopify(ws, 'script_tags/deleted'))).toHaveLength(0);

    const real = await deactivate(ws, { src_contains: 'bad-tracker', ids: ['999'], reason: 'slows checkout', requested_by: 'agent-004' });
    expect(real.status).toBe(200);
    expect(real.json).toMatchObject({ dry_run: false, deleted: [{ id: 'gid://shopify/ScriptTag/11' }, { id: 'gid://shopify/ScriptTag/13' }], failed: [], not_found: ['gid://shopify/ScriptTag/999'] });
    expect(fake.shop(shop).scriptTags.map((t) => t.id)).toEqual([12]);
    const [audit] = await eventsOf(topics.shopify(ws, 'script_tags/deleted'));
    expect(audit!.event).toMatchObject({ event_id: real.json.audit_event_id, event_type: 'shopify.script_tags.deleted', payload_json: { shop_domain: shop, reason: 'slows checkout', deleted: [{ src: expect.stringContaining('track.js') }, { src: expect.stringContaining('pixel.js') }] } });
    // The listing came before the deletions.
    const calls = fake.requests.filter((r) => r.shop === shop && r.kind === 'graphql' && !r.rootFields?.includes('shop')).map((r) => r.rootFields![0]);
    expect(calls.slice(-3)).toEqual(['scriptTags', 'scriptTagDelete', 'scriptTagDelete']);

    const none = await deactivate(ws, {});
    expect(none.status).toBe(400);
    expect(none.json.error.code).toBe('no_selection');
  });

  it('a delete Shopify applied but answered with a 5xx is retried, and the retry\'s "does not exist" counts as deleted', async () => {
    const shop = newShopDomain('tags5xx');
    const ws = newWorkspaceId('tags5xx');
    await seedInstalledShop(fake, shop, ws, { data: { scriptTags: [{ id: 21, src: 'https://cdn.bad.example/a.js' }, { id: 22, src: 'https://cdn.bad.example/b.js' }] } });
    fake.failGraphql(502, { shop, afterApplying: true, rootField: 'scriptTagDelete', retryAfter: '0' });
    const real = await deactivate(ws, { ids: [21, 22], reason: 'edge hiccup' });
    expect(real.status).toBe(200);
    expect(real.json).toMatchObject({ deleted: [{ id: 'gid://shopify/ScriptTag/21' }, { id: 'gid://shopify/ScriptTag/22' }], failed: [] });
    expect(fake.shop(shop).scriptTags).toHaveLength(0);
    expect(fake.count('graphql', (r) => r.shop === shop && Boolean(r.rootFields?.includes('scriptTagDelete')))).toBe(3); // 21 twice, 22 once
    const [audit] = await eventsOf(topics.shopify(ws, 'script_tags/deleted'));
    expect(audit!.event.payload_json).toMatchObject({ deleted: [{ id: 'gid://shopify/ScriptTag/21' }, { id: 'gid://shopify/ScriptTag/22' }], failed: [] });
  });

  it('a delete that finds the tag already gone without any retry still reports it as failed', async () => {
    const shop = newShopDomain('tagsgone');
    const ws = newWorkspaceId('tagsgone');
    await seedInstalledShop(fake, shop, ws, { data: { scriptTags: [{ id: 31, src: 'https://cdn.bad.example/c.js' }] } });
    // Someone else deletes the tag between our listing and our delete.
    const realFetch = globalThis.fetch;
    const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      if (typeof init?.body === 'string' && init.body.includes('scriptTagDelete')) fake.shop(shop).scriptTags.length = 0;
      return realFetch(input, init);
    });
    try {
      const real = await deactivate(ws, { ids: [31] });
      expect(real.json).toMatchObject({ deleted: [], failed: [{ id: 'gid://shopify/ScriptTag/31', message: expect.stringContaining('does not exist') }] });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('revocation discovered by a data call', () => {
  it('answers 409 shop_not_connected on the first call, like every call after it', async () => {
    const shop = newShopDomain('revoked');
    const ws = newWorkspaceId('revoked');
    await seedInstalledShop(fake, shop, ws, { expiresInS: 600 }); // within the refresh margin
    fake.revokeShop(shop);
    const first = await getData(ws, 'shop');
    expect(first.status).toBe(409);
    expect(first.json.error).toMatchObject({ code: 'shop_not_connected', details: { shop, status: 'revoked' } });
    const later = await getData(ws, 'shop');
    expect(later.status).toBe(409);
    expect(later.json.error).toMatchObject({ code: 'shop_not_connected', details: { shop, status: 'revoked' } });
  });
});

/**
 * The Shopify install end to end (real handlers, moto, the real Kafka broker, a fake Shopify): install →
 * authorize at the shop → signed callback → expiring offline token in Secrets Manager, connection with
 * only the secret reference, webhook subscriptions at our /webhooks/shopify, shopify.app.installed on
 * Kafka. Then everything that must be refused: a replayed callback, a tampered hmac, an old timestamp,
 * an unknown state, a foreign shop, a shop owned by another workspace.
 */
import { handler as installLinkHandler } from '../../functions/shopify/install-link';
import { connectionRegistry } from '../../shared/runtime/connections';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { table } from '../../shared/runtime/storage';
import { eventBus } from '../../shared/runtime/events';
import { queue } from '../../shared/runtime/queues';
import { invokeHttp } from '../support/http';
import { secretResolver, secretStore } from '../../shared/runtime/secrets';
import { platformSecretName } from '../../shared/secrets/names';
import { storeSecret } from '../support/secrets';
import { SHOPIFY_SECRET } from '../support/shopify';
import { shopStateStore } from '../../shared/runtime/shopify';
import { topics } from '../../shared/events/topics';
import { shopifyWebhookTopics } from '../../shared/webhooks/providers/shopify/topics';
import { newWorkspaceId, secretRoot } from '../support/environment';
import type { FakeShopify } from '../fakes/shopify/fake-shopify';
import {
  approveAtShop,
  callbackRequest,
  CLIENT_ID,
  eventsOf,
  installRequest,
  installShop,
  newShopDomain,
  PUBLIC_BASE_URL,
  signedInstallQuery,
  startShopifyEnvironment,
  stopShopifyEnvironment,
} from '../fakes/shopify/harness';

let fake: FakeShopify;

beforeAll(async () => {
  fake = await startShopifyEnvironment({ refusedTopics: ['CHECKOUTS_DELETE'] });
});
afterAll(() => stopShopifyEnvironment(fake));

/** A fresh, correctly signed callback query for `shop` with this state (Shopify's side of the flow). */
function signedCallback(shop: string, state: string, overrides: Record<string, string> = {}): string {
  const params = { code: 'c0de', host: 'aG9zdA', shop, state, timestamp: String(Math.floor(Date.now() / 1000)), ...overrides };
  return `${new URLSearchParams(params).toString()}&hmac=${fake.signQuery(params)}`;
}

async function startInstall(shop: string, ws: string): Promise<string> {
  fake.addShop(shop);
  const install = await installRequest(shop, ws);
  expect(install.status).toBe(302);
  return new URL(String(install.headers.location)).searchParams.get('state')!;
}

describe('Shopify OAuth install (fake Shopify + moto + Kafka)', () => {
  it('installs: token in Secrets Manager, reference-only connection, webhooks registered, app.installed published', async () => {
    const shop = newShopDomain();
    const ws = newWorkspaceId('install');
    fake.addShop(shop, { currency: 'BRL', timezone: 'America/Sao_Paulo', themes: [{ id: 7, name: 'Dawn', role: 'MAIN' }] });

    const install = await installRequest(shop, ws);
    expect(install.status).toBe(302);
    expect(install.headers['cache-control']).toBe('no-store');
    const authorize = new URL(String(install.headers.location));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${fake.origin}/shops/${shop}/admin/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_BASE_URL}/oauth/shopify/callback`);
    expect(authorize.searchParams.get('scope')!.split(',')).toEqual(
      expect.arrayContaining(['read_orders', 'write_orders', 'read_products', 'write_products', 'read_inventory', 'write_inventory', 'read_customers', 'write_customers', 'read_themes', 'write_themes', 'read_script_tags', 'write_script_tags']),
    );
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const callbackQuery = await approveAtShop(authorize.toString());
    const response = await callbackRequest(callbackQuery, { accept: 'text/html' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.text).toContain(`${shop}</strong> is now connected`);
    expect(response.text).toContain('CHECKOUTS_DELETE'.toLowerCase().replace('_', '/'));

    // The token exchange asked for an expiring offline token; both tokens are in Secrets Manager.
    expect(fake.count('token', (r) => r.shop === shop && r.grant === 'authorization_code' && r.status === 200)).toBe(1);
    const secretName = `${secretRoot()}/connections/shopify/${ws}/${shop}`;
    const stored = JSON.parse((await secretStore().get(secretName))!);
    expect(stored).toMatchObject({ access_token: expect.stringMatching(/^shpat_/), refresh_token: expect.stringMatching(/^shprt_/), shop, workspace_id: ws });
    expect(stored.expires_at - Date.now()).toBeGreaterThan(3500_000);

    // The connection holds the reference, never a token.
    const connection = await connectionRegistry().get('shopify', shop);
    expect(connection).toMatchObject({
      workspace_id: ws,
      status: 'active',
      details: { access_token_secret_ref: secretName, token_kind: 'expiring_offline', currency: 'BRL', timezone: 'America/Sao_Paulo', webhook_uri: `${PUBLIC_BASE_URL}/webhooks/shopify` },
    });
    const serialized = JSON.stringify(connection);
    expect(serialized).not.toContain(stored.access_token);
    expect(serialized).not.toContain(stored.refresh_token);

    // Every topic the backbone handles is subscribed at our webhook route (but the one Shopify refused).
    const subscriptions = fake.shop(shop).webhookSubscriptions;
    expect(new Set(subscriptions.map((s) => s.uri))).toEqual(new Set([`${PUBLIC_BASE_URL}/webhooks/shopify`]));
    expect(subscriptions.map((s) => s.topic).sort()).toEqual(
      shopifyWebhookTopics.map((t) => t.replace('/', '_').toUpperCase()).filter((t) => t !== 'CHECKOUTS_DELETE').sort(),
    );
    expect(connection!.details.webhook_subscriptions).toMatchObject({ created: shopifyWebhookTopics.length - 1, failed: [{ topic: 'checkouts/delete' }] });

    // The current main theme is the first entry of the theme history.
    expect(await shopStateStore().themeHistory(shop)).toEqual([expect.objectContaining({ theme_id: 'gid://shopify/OnlineStoreTheme/7', source: 'install' })]);

    // Published through the outbox (the OAuth callback never talks to Kafka); eventsOf drains it.
    expect((await eventBus().readAll(topics.shopify(ws, 'app/installed'))).length).toBe(0);
    expect(await queue('outbox').depth()).toBeGreaterThan(0);
    const [installed] = await eventsOf(topics.shopify(ws, 'app/installed'));
    expect(installed!.key).toBe(shop);
    expect(installed!.event).toMatchObject({
      event_type: 'shopify.app.installed',
      workspace_id: ws,
      payload_json: { shop_domain: shop, reinstall: false, shop: { currency: 'BRL', timezone: 'America/Sao_Paulo' }, missing_scopes: [] },
    });
    expect(JSON.stringify(installed!.event)).not.toContain(stored.access_token);
    expect((await eventsOf(topics.shopifyAllWorkspaces())).some((r) => r.event.event_id === installed!.event.event_id)).toBe(true);

    // The browser (or an attacker with its history) replays the callback: refused, nothing exchanged.
    const replay = await callbackRequest(callbackQuery, { accept: 'application/json' });
    expect(replay.status).toBe(409);
    expect(replay.json.error).toMatchObject({ code: 'state_already_used' });
    expect(fake.count('token', (r) => r.shop === shop && r.grant === 'authorization_code')).toBe(1);
    expect(await eventsOf(topics.shopify(ws, 'app/installed'))).toHaveLength(1);
  });

  it('reinstalling keeps existing subscriptions and creates none twice', async () => {
    const shop = newShopDomain();
    const ws = newWorkspaceId('again');
    fake.addShop(shop);
    expect((await installShop(shop, ws)).response.status).toBe(200);
    const second = await installShop(shop, ws);
    expect(second.response.status).toBe(200);
    expect(second.response.json).toMatchObject({ status: 'connected', reinstall: true, webhooks: { created: [], existing: expect.any(Array) } });
    expect(second.response.json.webhooks.existing).toHaveLength(shopifyWebhookTopics.length - 1);
    expect(fake.shop(shop).webhookSubscriptions).toHaveLength(shopifyWebhookTopics.length - 1);
  });

  it('refuses a tampered hmac before looking at anything else (the state stays usable)', async () => {
    const shop = newShopDomain();
    const state = await startInstall(shop, newWorkspaceId('tamper'));
    const good = signedCallback(shop, state);
    const tampered = good.replace(/hmac=([0-9a-f])/, (_, c: string) => `hmac=${c === 'a' ? 'b' : 'a'}`);
    const forged = await callbackRequest(tampered, { accept: 'application/json' });
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe('invalid_hmac');
    const otherShop = await callbackRequest(good.replace(`shop=${shop}`, `shop=evil-${shop}`), { accept: 'application/json' });
    expect(otherShop.json.error.code).toBe('invalid_hmac');
    const page = await callbackRequest(tampered, { accept: 'text/html' });
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('invalid_hmac');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    // Forgeries did not burn the state: the real callback still works up to the code exchange.
    const real = await callbackRequest(signedCallback(shop, state), { accept: 'application/json' });
    expect(real.json.error?.code).toBe('code_exchange_refused'); // our made-up code, refused by Shopify
    expect(fake.count('token', (r) => r.shop === shop)).toBe(1);
  });

  it('refuses a callback whose timestamp is more than 90 s away', async () => {
    const shop = newShopDomain();
    const state = await startInstall(shop, newWorkspaceId('stale'));
    for (const offset of [-91, 95, -3600]) {
      const stale = await callbackRequest(signedCallback(shop, state, { timestamp: String(Math.floor(Date.now() / 1000) + offset) }), { accept: 'application/json' });
      expect(stale.status).toBe(400);
      expect(stale.json.error.code).toBe('stale_timestamp');
    }
    expect(fake.count('token', (r) => r.shop === shop)).toBe(0);
  });

  it('refuses an unknown state, a state started for another shop, and a shop outside Shopify', async () => {
    const shop = newShopDomain();
    const state = await startInstall(shop, newWorkspaceId('state'));
    const unknown = await callbackRequest(signedCallback(shop, 'A'.repeat(43)), { accept: 'application/json' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe('invalid_state');
    const other = newShopDomain('other');
    fake.addShop(other);
    const mismatch = await callbackRequest(signedCallback(other, state), { accept: 'application/json' });
    expect(mismatch.json.error.code).toBe('state_shop_mismatch');
    const foreign = await callbackRequest(signedCallback('evil.example.com', state), { accept: 'application/json' });
    expect(foreign.json.error.code).toBe('invalid_shop');
    const badInstall = await installRequest('evil.example.com', 'ws1', { accept: 'application/json' });
    expect(badInstall.status).toBe(400);
    expect(badInstall.json.error.code).toBe('invalid_shop');
    const noWorkspace = await installRequest(shop, 'not a workspace!', { accept: 'application/json' });
    expect(noWorkspace.json.error.code).toBe('invalid_workspace_id');
    expect(fake.count('token', (r) => r.shop === shop || r.shop === other)).toBe(0);
  });

  it('installs only from a link we signed for that shop and workspace, and only before it expires', async () => {
    const shop = newShopDomain('link');
    const ws = newWorkspaceId('link');
    const signed = new URLSearchParams(signedInstallQuery(shop, ws));
    const json = { accept: 'application/json' };
    const unsigned = await installRequest(shop, ws, json, new URLSearchParams({ shop, workspace_id: ws }).toString());
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.error.code).toBe('install_link_unsigned');
    // The link for one workspace does not install into another, nor another shop.
    const otherWorkspace = new URLSearchParams(signed);
    otherWorkspace.set('workspace_id', newWorkspaceId('victim'));
    expect((await installRequest(shop, ws, json, otherWorkspace.toString())).json.error.code).toBe('install_link_invalid');
    const otherShop = new URLSearchParams(signed);
    otherShop.set('shop', newShopDomain('attacker'));
    expect((await installRequest(shop, ws, json, otherShop.toString())).json.error.code).toBe('install_link_invalid');
    const longer = new URLSearchParams(signed);
    longer.set('expires', String(Number(signed.get('expires')) + 3600));
    expect((await installRequest(shop, ws, json, longer.toString())).json.error.code).toBe('install_link_invalid');
    const expired = await installRequest(shop, ws, json, signedInstallQuery(shop, ws, Date.now() - 2 * 86_400_000));
    expect(expired.status).toBe(400);
    expect(expired.json.error.code).toBe('install_link_expired');
    // The browser sees a page, not JSON, and never a stack trace.
    const page = await installRequest(shop, ws, {}, otherWorkspace.toString());
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('ask IONFLUX for a new link');
    // Nothing was stored for a refused link.
    expect((await table('shopify-oauth-states').scan()).filter((i) => JSON.stringify(i).includes(shop))).toEqual([]);

    // The platform issues links through the internal route.
    const issued = await invokeHttp(installLinkHandler as never, {
      method: 'POST',
      rawPath: `/v1/shopify/workspaces/${ws}/install-link`,
      routeKey: 'POST /v1/shopify/workspaces/{workspace_id}/install-link',
      pathParameters: { workspace_id: ws },
      headers: { 'content-type': 'application/json', host: 'api.ionflux.test' },
      body: JSON.stringify({ shop: shop.toUpperCase(), ttl_seconds: 600 }),
    });
    expect(issued.status).toBe(201);
    expect(issued.json).toMatchObject({ shop, workspace_id: ws, expires_at: expect.any(String) });
    const link = new URL(issued.json.url);
    expect(link.pathname).toBe('/oauth/shopify/install');
    const fromLink = await installRequest(shop, ws, json, link.search.slice(1));
    expect(fromLink.status).toBe(302);
    const bad = await invokeHttp(installLinkHandler as never, {
      method: 'POST',
      rawPath: `/v1/shopify/workspaces/${ws}/install-link`,
      routeKey: 'POST /v1/shopify/workspaces/{workspace_id}/install-link',
      pathParameters: { workspace_id: ws },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ shop, ttl_seconds: 30 * 86_400 }),
    });
    expect(bad.status).toBe(400);
  });

  it('answers an invalid Host header with 400 (no public URL configured), and ignores it when one is', async () => {
    const shop = newShopDomain('host');
    fake.addShop(shop);
    const ws = newWorkspaceId('host');
    // Configured (the harness sets IONFLUX_PUBLIC_BASE_URL): the Host header plays no part.
    const configured = await installRequest(shop, ws, { host: 'not a host/at all' });
    expect(configured.status).toBe(302);
    expect(new URL(String(configured.headers.location)).searchParams.get('redirect_uri')).toBe(`${PUBLIC_BASE_URL}/oauth/shopify/callback`);
    delete process.env.IONFLUX_PUBLIC_BASE_URL;
    await resetEnvironment();
    try {
      for (const host of ['not a host/at all', 'evil.example.com@x', 'a'.repeat(10) + ':999999']) {
        const refused = await installRequest(shop, ws, { host, accept: 'application/json' });
        expect(refused.status).toBe(400);
        expect(refused.json.error.code).toBe('invalid_host');
      }
      const page = await installRequest(shop, ws, { host: '%s' });
      expect(page.status).toBe(400);
      expect(page.headers['content-type']).toContain('text/html');
      const derived = await installRequest(shop, ws, { host: 'abc123.execute-api.us-east-1.amazonaws.com', 'x-forwarded-proto': 'https' });
      expect(new URL(String(derived.headers.location)).searchParams.get('redirect_uri')).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/oauth/shopify/callback');
    } finally {
      process.env.IONFLUX_PUBLIC_BASE_URL = PUBLIC_BASE_URL;
      await resetEnvironment();
    }
  });

  it('keeps operator configuration problems off the public page (they stay in the logs)', async () => {
    const name = platformSecretName(secretRoot(), 'shopify');
    await secretStore().put(name, JSON.stringify({ client_secret: SHOPIFY_SECRET })); // no client_id
    secretResolver().invalidate(name);
    try {
      const response = await installRequest(newShopDomain(), newWorkspaceId('cfg'), { accept: 'application/json' });
      expect(response.status).toBe(500);
      expect(response.json.error).toEqual({ code: 'internal_error', message: expect.any(String), request_id: expect.any(String) });
      expect(response.text).not.toContain(name);
      expect(response.text).not.toMatch(/client_id|ionflux secrets/);
    } finally {
      await storeSecret(name, { client_id: CLIENT_ID, client_secret: SHOPIFY_SECRET });
      secretResolver().invalidate(name);
    }
  });

  it('the order watermark starts at the install, unless the install continues an active connection of the same workspace', async () => {
    const shop = newShopDomain();
    const ws = newWorkspaceId('wm');
    fake.addShop(shop);
    expect((await installShop(shop, ws)).response.status).toBe(200);
    const fiveDaysAgo = new Date(Date.now() - 5 * 86_400_000).toISOString();
    await shopStateStore().setWatermark(shop, fiveDaysAgo);
    // Re-approving (e.g. new scopes) while connected: the reconciliation carries on from where it was.
    expect((await installShop(shop, ws)).response.status).toBe(200);
    expect((await shopStateStore().ordersState(shop)).watermark).toBe(fiveDaysAgo);
    // Uninstalled, then installed into another workspace: the gap's orders are not that workspace's new sales.
    const connection = (await connectionRegistry().get('shopify', shop))!;
    await connectionRegistry().setStatusIf('shopify', shop, 'inactive', 'test uninstall', { workspaceId: ws, connectId: connection.connect_id ?? null });
    const before = Date.now();
    expect((await installShop(shop, newWorkspaceId('wm2'))).response.status).toBe(200);
    expect(Date.parse((await shopStateStore().ordersState(shop)).watermark!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('refuses to move a shop that another workspace has connected', async () => {
    const shop = newShopDomain();
    const owner = newWorkspaceId('owner');
    fake.addShop(shop);
    expect((await installShop(shop, owner)).response.status).toBe(200);
    const { response } = await installShop(shop, newWorkspaceId('thief'));
    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe('account_connected_elsewhere');
    expect((await connectionRegistry().get('shopify', shop))!.workspace_id).toBe(owner);
    expect(fake.count('token', (r) => r.shop === shop && r.grant === 'authorization_code')).toBe(1);
  });

  it('two workspaces finishing an install of the same shop at once: one wins, the other gets 409 without the winner\'s id', async () => {
    const shop = newShopDomain();
    fake.addShop(shop);
    const [a, b] = [newWorkspaceId('race'), newWorkspaceId('race')];
    const queries = await Promise.all(
      [a, b].map(async (ws) => {
        const install = await installRequest(shop, ws);
        return approveAtShop(String(install.headers.location));
      }),
    );
    // Both callbacks pass the ownership check before either connects (the code exchange takes a while).
    const responses = await Promise.all(queries.map((q) => callbackRequest(q, { accept: 'application/json' })));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
    const refused = responses.find((r) => r.status === 409)!;
    expect(refused.json.error.code).toBe('account_connected_elsewhere');
    const owner = (await connectionRegistry().get('shopify', shop))!.workspace_id;
    expect([a, b]).toContain(owner);
    expect(refused.text).not.toContain(owner);
  });
});

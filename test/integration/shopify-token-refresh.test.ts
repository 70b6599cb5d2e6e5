/**
 * Expiring offline tokens against the fake Shopify (refresh tokens rotate: a spent one is dead), with
 * the real DynamoDB lock (moto), Secrets Manager (moto) and Kafka: several token managers — separate
 * Lambda instances — refresh concurrently and Shopify sees exactly one refresh; 401 triggers a refresh;
 * a refused refresh marks the connection revoked and publishes shopify.connection.revoked; a failed
 * refresh cools down instead of hammering the endpoint.
 */
import { connectionRegistry } from '../../shared/runtime/connections';
import { eventPublisher } from '../../shared/runtime/events';
import { secretStore } from '../../shared/runtime/secrets';
import { shopClients, shopifyApp, shopifyConfig, shopTokenStore } from '../../shared/runtime/shopify';
import { table } from '../../shared/runtime/storage';
import { topics } from '../../shared/events/topics';
import { ShopifyAccessRevokedError, ShopifyTokenUnavailableError } from '../../shared/shopify/errors';
import { ShopifyTokenEndpoint } from '../../shared/shopify/token-endpoint';
import { TokenLocks } from '../../shared/shopify/token-locks';
import { type ShopAccess, TokenManager } from '../../shared/shopify/token-manager';
import { ShopTokenStore } from '../../shared/shopify/token-store';
import { newWorkspaceId } from '../support/environment';
import type { FakeShopify } from '../fakes/shopify/fake-shopify';
import { eventsOf, newShopDomain, seedInstalledShop, startShopifyEnvironment, stopShopifyEnvironment } from '../fakes/shopify/harness';

let fake: FakeShopify;

beforeAll(async () => {
  fake = await startShopifyEnvironment({ tokenEndpointDelayMs: 150 });
});
afterAll(() => stopShopifyEnvironment(fake));

/** One token manager = one Lambda execution environment (own cache), sharing DynamoDB and Secrets Manager. */
function lambdaInstance(options: { clock?: () => number; tokens?: ShopTokenStore } = {}): TokenManager {
  return new TokenManager({
    tokens: options.tokens ?? shopTokenStore(),
    endpoint: new ShopifyTokenEndpoint({ config: shopifyConfig(), fetch }),
    locks: new TokenLocks(table('shopify-token-locks'), options.clock),
    app: shopifyApp,
    connections: connectionRegistry(),
    publisher: eventPublisher(),
    waitStepMs: 50,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

async function installed(options: { expiresInS?: number; expiring?: boolean } = {}): Promise<{ shop: string; ws: string; access: ShopAccess }> {
  const shop = newShopDomain('tok');
  const ws = newWorkspaceId('tok');
  const { secretName } = await seedInstalledShop(fake, shop, ws, options);
  return { shop, ws, access: { shop, workspaceId: ws, secretName } };
}

const refreshes = (shop: string) => fake.count('token', (r) => r.shop === shop && r.grant === 'refresh_token');
const deadline = () => Date.now() + 20_000;

describe('Shopify token refresh (fake Shopify + moto + Kafka)', () => {
  it('refreshes inside the 15-minute margin and not before', async () => {
    const { shop, access } = await installed({ expiresInS: 20 * 60 });
    let offset = 0;
    const manager = lambdaInstance({ clock: () => Date.now() + offset });
    const first = await manager.accessToken(access, { deadline: deadline() });
    expect(refreshes(shop)).toBe(0);
    offset = 6 * 60_000; // 14 minutes left
    const second = await manager.accessToken(access, { deadline: deadline() });
    expect(refreshes(shop)).toBe(1);
    expect(second).not.toBe(first);
    const stored = (await shopTokenStore().read(access.secretName))!;
    expect(stored.access_token).toBe(second);
    expect(stored.refresh_token).toMatch(/^shprt_/);
  });

  it('concurrent refreshes from several Lambda instances spend the rotating refresh token once', async () => {
    const { shop, access } = await installed({ expiresInS: 600 });
    const before = (await shopTokenStore().read(access.secretName))!;
    const instances = Array.from({ length: 5 }, () => lambdaInstance());
    // Each instance also gets concurrent calls of its own (in-process single flight).
    const tokens = await Promise.all(instances.flatMap((m) => [m.accessToken(access, { deadline: deadline() }), m.accessToken(access, { deadline: deadline() })]));
    expect(refreshes(shop)).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before.access_token);
    const after = (await shopTokenStore().read(access.secretName))!;
    expect(after.access_token).toBe(tokens[0]);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect((await connectionRegistry().get('shopify', shop))!.status).toBe('active');
    // The new token works.
    const ctx = await shopClients().forWorkspace(access.workspaceId);
    await expect(ctx.client.request('query { shop { name } }', {}, { deadline: deadline() })).resolves.toMatchObject({ shop: { name: expect.any(String) } });
  });

  it('never spends a refresh token twice when the secret store still shows the old one after a refresh', async () => {
    const { shop, access } = await installed({ expiresInS: 600 });
    const before = (await secretStore().get(access.secretName))!;
    const fresh = await lambdaInstance().accessToken(access, { deadline: deadline() });
    expect(refreshes(shop)).toBe(1);
    // Another Lambda whose reads lag behind: the pre-refresh secret for its first few reads.
    let staleReads = 4;
    const lagging = new ShopTokenStore({
      get: async (name: string) => (name === access.secretName && staleReads-- > 0 ? before : secretStore().get(name)),
      put: (name: string, value: string) => secretStore().put(name, value),
    });
    expect(await lambdaInstance({ tokens: lagging }).accessToken(access, { deadline: deadline() })).toBe(fresh);
    expect(staleReads).toBeLessThan(0);
    expect(refreshes(shop)).toBe(1);
    expect((await connectionRegistry().get('shopify', shop))!.status).toBe('active');
  });

  it('answers a 401 with one refresh and a retry, even before the stored expiry', async () => {
    const { shop, ws } = await installed({ expiresInS: 3600 });
    fake.expireAccessTokens(shop);
    const ctx = await shopClients().forWorkspace(ws);
    const data = await ctx.client.request<{ shop: { myshopifyDomain: string } }>('query { shop { myshopifyDomain } }', {}, { deadline: deadline() });
    expect(data.shop.myshopifyDomain).toBe(shop);
    expect(refreshes(shop)).toBe(1);
    expect(fake.count('graphql', (r) => r.shop === shop && r.status === 401)).toBe(1);
  });

  it('marks the connection revoked and publishes an event when Shopify refuses the refresh', async () => {
    const { shop, ws, access } = await installed({ expiresInS: 600 });
    fake.revokeShop(shop);
    await expect(lambdaInstance().accessToken(access, { deadline: deadline() })).rejects.toBeInstanceOf(ShopifyAccessRevokedError);
    expect(await connectionRegistry().get('shopify', shop)).toMatchObject({ status: 'revoked', status_reason: expect.stringContaining('invalid_grant') });
    const [event] = await eventsOf(topics.shopify(ws, 'connection/revoked'));
    expect(event!.event).toMatchObject({ event_type: 'shopify.connection.revoked', workspace_id: ws, payload_json: { shop_domain: shop, action_required: 'reinstall' } });
    // Afterwards the shop is refused up front, without calling Shopify again.
    await expect(shopClients().forWorkspace(ws)).rejects.toMatchObject({ code: 'shop_not_connected', status: 409 });
    expect(refreshes(shop)).toBe(1);
  });

  it('marks a rejected legacy (non-expiring) token revoked', async () => {
    const { shop, ws } = await installed({ expiring: false });
    fake.revokeShop(shop);
    const ctx = await shopClients().forWorkspace(ws);
    await expect(ctx.client.request('query { shop { name } }', {}, { deadline: deadline() })).rejects.toBeInstanceOf(ShopifyAccessRevokedError);
    expect((await connectionRegistry().get('shopify', shop))!.status).toBe('revoked');
    expect(refreshes(shop)).toBe(0);
  });

  it('cools down after a failed refresh: keeps a still-valid token, refuses an expired one, retries later', async () => {
    const { shop, access } = await installed({ expiresInS: 600 });
    let offset = 0;
    const clock = () => Date.now() + offset;
    fake.failTokenEndpoint(503);
    const current = (await shopTokenStore().read(access.secretName))!.access_token;
    // Ten minutes left: the failed refresh does not fail the call.
    expect(await lambdaInstance({ clock }).accessToken(access, { deadline: deadline() })).toBe(current);
    expect(refreshes(shop)).toBe(1);
    // Another instance during the cooldown: no call to Shopify.
    expect(await lambdaInstance({ clock }).accessToken(access, { deadline: deadline() })).toBe(current);
    expect(refreshes(shop)).toBe(1);
    // Expired (nearly) during the cooldown: 503 with Retry-After, still no call.
    const stored = (await shopTokenStore().read(access.secretName))!;
    await shopTokenStore().write(access.secretName, { ...stored, expires_at: Date.now() + 2_000 }, { shop, workspaceId: access.workspaceId });
    const refused = await lambdaInstance({ clock })
      .accessToken(access, { deadline: deadline() })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ShopifyTokenUnavailableError);
    expect((refused as ShopifyTokenUnavailableError).headers).toMatchObject({ 'retry-after': expect.stringMatching(/^\d+$/) });
    expect(refreshes(shop)).toBe(1);
    // After the cooldown the refresh is tried again and succeeds.
    offset = 40_000;
    const fresh = await lambdaInstance({ clock }).accessToken(access, { deadline: deadline() });
    expect(fresh).not.toBe(current);
    expect(refreshes(shop)).toBe(2);
    expect((await connectionRegistry().get('shopify', shop))!.status).toBe('active');
  });

  it('never stores a token in the connection record', async () => {
    const { shop, access } = await installed();
    const stored = (await secretStore().get(access.secretName))!;
    const { access_token, refresh_token } = JSON.parse(stored) as { access_token: string; refresh_token: string };
    const record = JSON.stringify(await table('connections').get({ pk: `shopify#${shop}` }));
    expect(record).toContain(access.secretName);
    expect(record).not.toContain(access_token);
    expect(record).not.toContain(refresh_token);
  });
});

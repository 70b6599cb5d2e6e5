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

type Options = ConstructorParameters<typeof TokenManager>[0];

/** One token manager = one Lambda execution environment (own cache), sharing DynamoDB and Secrets Manager. */
function lambdaInstance(
  options: { clock?: () => number; tokens?: ShopTokenStore; endpoint?: Options['endpoint']; app?: Options['app']; connections?: Options['connections'] } = {},
): TokenManager {
  return new TokenManager({
    tokens: options.tokens ?? shopTokenStore(),
    endpoint: options.endpoint ?? new ShopifyTokenEndpoint({ config: shopifyConfig(), fetch }),
    locks: new TokenLocks(table('shopify-token-locks'), options.clock),
    app: options.app ?? shopifyApp,
    connections: options.connections ?? connectionRegistry(),
    publisher: eventPublisher(),
    waitStepMs: 50,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

const realEndpoint = () => new ShopifyTokenEndpoint({ config: shopifyConfig(), fetch });
const statusOf = async (shop: string) => (await connectionRegistry().get('shopify', shop))!.status;

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
    const second = await manager.accessToken(access, { deadline: Date.now() + offset + 20_000 }); // the manager's clock
    expect(refreshes(shop)).toBe(1);
    expect(second).not.toBe(first);
    const stored = (await shopTokenStore().read(access.secretName))!;
    expect(stored.access_token).toBe(second);
    expect(stored.refresh_token).toMatch(/^shprt_/);
  });

  it('a caller with little time left never cuts a refresh short: it uses the valid token, and a later call refreshes', async () => {
    const { shop, access } = await installed({ expiresInS: 600 }); // inside the 15-minute margin: a refresh is due
    let offset = 0;
    const clock = () => Date.now() + offset;
    // 100 ms left (e.g. the last page of a reconciliation pass), while Shopify takes 150 ms to answer: a
    // request given up on after Shopify rotated the refresh token would lose its successor.
    const token = await lambdaInstance({ clock }).accessToken(access, { deadline: clock() + 100 });
    expect(token).toBe((await shopTokenStore().read(access.secretName))!.access_token);
    expect(refreshes(shop)).toBe(0);
    offset += 31_000;
    const next = await lambdaInstance({ clock }).accessToken(access, { deadline: clock() + 20_000 });
    expect(next).not.toBe(token);
    expect(refreshes(shop)).toBe(1);
    expect(await statusOf(shop)).toBe('active');
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

  describe('only a dead refresh token (invalid_grant) revokes', () => {
    it.each([
      [402, { errors: 'Unavailable Shop' }, 409],
      [423, { errors: 'Locked' }, 409],
      [404, { errors: 'Not Found' }, 409],
      [403, '<html><body><h1>403 Forbidden</h1></body></html>', 502],
      [400, { error: 'invalid_request', error_description: 'The request is missing a required parameter' }, 502],
    ])('HTTP %s from the token endpoint cools down and keeps the connection', async (status, body, expectedStatus) => {
      const { shop, ws, access } = await installed({ expiresInS: 600 });
      let offset = 0;
      const clock = () => Date.now() + offset;
      // A token that is about to expire: the caller needs the refresh and gets the failure itself.
      const stored = (await shopTokenStore().read(access.secretName))!;
      await shopTokenStore().write(access.secretName, { ...stored, expires_at: Date.now() + 2_000 }, { shop, workspaceId: ws });
      fake.failTokenEndpoint(status, { body });
      const refused = await lambdaInstance({ clock })
        .accessToken(access, { deadline: clock() + 20_000 })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'shopify_token_error', status: expectedStatus });
      expect(refreshes(shop)).toBe(1);
      expect(await statusOf(shop)).toBe('active');
      expect(await eventsOf(topics.shopify(ws, 'connection/revoked'))).toHaveLength(0);
      // Cooling down: no second call to Shopify.
      await expect(lambdaInstance({ clock }).accessToken(access, { deadline: clock() + 20_000 })).rejects.toBeInstanceOf(ShopifyTokenUnavailableError);
      expect(refreshes(shop)).toBe(1);
      // Once Shopify answers again the same refresh token still works: the shop was never lost.
      offset = 40_000;
      const fresh = await lambdaInstance({ clock }).accessToken(access, { deadline: clock() + 20_000 });
      expect(fresh).not.toBe(stored.access_token);
      expect(refreshes(shop)).toBe(2);
      expect(await statusOf(shop)).toBe('active');
    });

    it('invalid_grant from the token endpoint still revokes', async () => {
      const { shop, ws, access } = await installed({ expiresInS: 600 });
      fake.failTokenEndpoint(400, { body: { error: 'invalid_grant', error_description: 'refresh token revoked' } });
      await expect(lambdaInstance().accessToken(access, { deadline: deadline() })).rejects.toBeInstanceOf(ShopifyAccessRevokedError);
      expect(await statusOf(shop)).toBe('revoked');
      expect(await eventsOf(topics.shopify(ws, 'connection/revoked'))).toHaveLength(1);
    });
  });

  describe('a rotating refresh token is spent once and its successor is never lost', () => {
    it('a lease that runs out while the holder waits on Shopify does not let a second Lambda spend the token', async () => {
      const { shop, access } = await installed({ expiresInS: 600 });
      let offset = 0;
      const clock = () => Date.now() + offset;
      let other: Promise<string> | undefined;
      const real = realEndpoint();
      // The holder's token request is slow (25 s, more than the old 20 s lease); meanwhile another Lambda needs a token.
      const slow: Options['endpoint'] = {
        refresh: async (...args) => {
          if (!other) {
            offset += 25_000;
            other = lambdaInstance({ clock }).accessToken(access, { deadline: clock() + 20_000 });
            await new Promise((r) => setTimeout(r, 400));
          }
          return real.refresh(...args);
        },
      };
      const first = await lambdaInstance({ clock, endpoint: slow }).accessToken(access, { deadline: clock() + 60_000 });
      const second = await other!;
      expect(refreshes(shop)).toBe(1);
      expect(second).toBe(first);
      expect(await statusOf(shop)).toBe('active');
    });

    it('a holder whose lease ran out before it spends gives up and uses the token the next holder stored', async () => {
      const { shop, access } = await installed({ expiresInS: 600 });
      let offset = 0;
      const clock = () => Date.now() + offset;
      let otherToken: string | undefined;
      // Between reading the refresh token and spending it, the holder stalls past its lease; another Lambda
      // takes the lock and refreshes.
      const stalling: Options['app'] = async () => {
        if (!otherToken) {
          offset += 70_000;
          otherToken = await lambdaInstance({ clock }).accessToken(access, { deadline: clock() + 20_000 });
        }
        return shopifyApp();
      };
      const token = await lambdaInstance({ clock, app: stalling }).accessToken(access, { deadline: clock() + 60_000 });
      expect(token).toBe(otherToken);
      expect(refreshes(shop)).toBe(1);
      expect(await statusOf(shop)).toBe('active');
    });

    it('retries the secret write after Shopify rotated the token, so the new refresh token survives', async () => {
      const { shop, access } = await installed({ expiresInS: 600 });
      const before = (await shopTokenStore().read(access.secretName))!;
      let failures = 2;
      const flaky = new ShopTokenStore({
        get: (name: string) => secretStore().get(name),
        put: async (name: string, value: string) => {
          if (failures > 0) {
            failures--;
            throw new Error('ThrottlingException: Rate exceeded');
          }
          return secretStore().put(name, value);
        },
      });
      const token = await lambdaInstance({ tokens: flaky }).accessToken(access, { deadline: deadline() });
      expect(failures).toBe(0);
      const after = (await shopTokenStore().read(access.secretName))!;
      expect(after.access_token).toBe(token);
      expect(after.refresh_token).not.toBe(before.refresh_token);
      // The stored successor is the live one: the next refresh (forced by a 401) succeeds.
      const next = await lambdaInstance().rejected(access, token, { deadline: deadline() });
      expect(next).not.toBe(token);
      expect(refreshes(shop)).toBe(2);
      expect(await statusOf(shop)).toBe('active');
    });

    it('invalid_grant after another Lambda already rotated the token uses that Lambda\u2019s token instead of revoking', async () => {
      const { shop, ws, access } = await installed({ expiresInS: 600 });
      const before = (await secretStore().get(access.secretName))!;
      // Another Lambda (no spent mark left behind, e.g. an older deployment) rotated and stored the tokens.
      const oldTokens = JSON.parse(before) as { refresh_token: string };
      const rotated = await realEndpoint().refresh(shop, oldTokens.refresh_token, await shopifyApp());
      await shopTokenStore().write(access.secretName, rotated, { shop, workspaceId: ws });
      // This Lambda's reads lag behind until it has tried the old refresh token.
      let attempted = false;
      const lagging = new ShopTokenStore({
        get: async (name: string) => (name === access.secretName && !attempted ? before : secretStore().get(name)),
        put: (name: string, value: string) => secretStore().put(name, value),
      });
      const real = realEndpoint();
      const endpoint: Options['endpoint'] = {
        refresh: async (...args) => {
          try {
            return await real.refresh(...args);
          } finally {
            attempted = true;
          }
        },
      };
      const token = await lambdaInstance({ tokens: lagging, endpoint }).accessToken(access, { deadline: deadline() });
      expect(attempted).toBe(true);
      expect(token).toBe(rotated.access_token);
      expect(refreshes(shop)).toBe(2); // the other Lambda's, and this one's refused attempt
      expect(await statusOf(shop)).toBe('active');
      expect(await eventsOf(topics.shopify(ws, 'connection/revoked'))).toHaveLength(0);
    });

    it('a revoke racing a reinstall does not flip the new install to revoked', async () => {
      const { shop, ws, access } = await installed({ expiresInS: 600 });
      fake.revokeShop(shop); // the old install's tokens are dead
      const registry = connectionRegistry();
      let reinstalled: string | undefined;
      // The merchant reinstalls right after this Lambda decided the old install is revoked.
      const racing = new Proxy(registry, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (typeof value !== 'function') return value;
          if (prop !== 'setStatus' && prop !== 'setStatusIf') return value.bind(target);
          return async (...args: unknown[]) => {
            if (!reinstalled) {
              await seedInstalledShop(fake, shop, ws, { expiresInS: 3600 });
              reinstalled = (await shopTokenStore().read(access.secretName))!.access_token;
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const result = await lambdaInstance({ connections: racing })
        .accessToken(access, { deadline: deadline() })
        .catch((e: unknown) => e);
      expect(reinstalled).toBeDefined();
      expect(await statusOf(shop)).toBe('active');
      expect(await eventsOf(topics.shopify(ws, 'connection/revoked'))).toHaveLength(0);
      // The caller ends up with the new install's token.
      expect(result).toBe(reinstalled);
    });
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

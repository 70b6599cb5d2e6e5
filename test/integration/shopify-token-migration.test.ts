/**
 * `ionflux shopify migrate-tokens` on moto (Secrets Manager, DynamoDB) with the fake Shopify: shop tokens
 * stored where the first installs put them (`<root>/workspaces/<ws>/shopify/<shop>`) move to
 * `<root>/connections/shopify/<ws>/<shop>`; the connection follows; the old secret is removed; a dry run
 * changes nothing; a rerun has nothing to do; a refresh running at the same time is waited for and its
 * rotated refresh token is what ends up at the new name (Shopify accepts it: nothing was lost).
 */
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runCli } from '../../cli/main';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { connectionRegistry } from '../../shared/runtime/connections';
import { secretStore } from '../../shared/runtime/secrets';
import { shopifyApp, shopifyConfig, shopifyTokenLocks, shopTokenStore } from '../../shared/runtime/shopify';
import { eventPublisher } from '../../shared/runtime/events';
import { table } from '../../shared/runtime/storage';
import { ShopifyTokenEndpoint } from '../../shared/shopify/token-endpoint';
import { refreshTokenFingerprint, TokenLocks } from '../../shared/shopify/token-locks';
import { TokenManager } from '../../shared/shopify/token-manager';
import { legacyShopTokenSecretName, ShopTokenMigration } from '../../shared/shopify/token-migration';
import { shopTokenSecretName } from '../../shared/shopify/token-store';
import { newWorkspaceId, secretRoot } from '../support/environment';
import { storeSecret } from '../support/secrets';
import type { FakeShopify } from '../fakes/shopify/fake-shopify';
import { newShopDomain, startShopifyEnvironment, stopShopifyEnvironment } from '../fakes/shopify/harness';

let fake: FakeShopify;
beforeAll(async () => {
  fake = await startShopifyEnvironment({ tokenEndpointDelayMs: 300 });
});
afterAll(() => stopShopifyEnvironment(fake));

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => out.push(l) });
  return { code, out: out.join('\n') };
}

/** A shop installed before the move: tokens at the old name, the connection pointing there. */
async function legacyShop(options: { expiresInS?: number } = {}) {
  const shop = newShopDomain('legacy');
  const ws = newWorkspaceId('legacy');
  fake.addShop(shop);
  const issued = fake.issueTokens(shop, { expiring: true, ...(options.expiresInS ? { expiresInS: options.expiresInS } : {}) });
  const from = legacyShopTokenSecretName(secretRoot(), ws, shop);
  const to = shopTokenSecretName(secretRoot(), ws, shop);
  const now = Date.now();
  await shopTokenStore().write(
    from,
    { access_token: issued.access_token, refresh_token: issued.refresh_token!, scope: issued.scope, obtained_at: now, expires_at: now + issued.expires_in! * 1000 },
    { shop, workspaceId: ws },
  );
  await connectionRegistry().connect('shopify', shop, ws, { access_token_secret_ref: from });
  return { shop, ws, from, to };
}

const refOf = async (shop: string) => (await connectionRegistry().get('shopify', shop))!.details.access_token_secret_ref;

describe('shop token migration (moto + fake Shopify)', () => {
  it('a dry run reports and changes nothing; a run moves tokens and the reference and removes the old secret; a rerun has nothing to do', async () => {
    const a = await legacyShop();
    const before = await secretStore().get(a.from);
    // A workspace's own key that happens to live under a shopify/ name is not shop tokens: left alone.
    const ownKey = legacyShopTokenSecretName(secretRoot(), a.ws, 'notes.myshopify.com');
    await storeSecret(ownKey, { api_key: 'sk-workspace-own-key-0000' });

    const dry = await cli(['shopify', 'migrate-tokens', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const planned = dry.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(planned).toEqual(expect.arrayContaining([expect.objectContaining({ shop: a.shop, outcome: 'would_migrate', reference_updated: true, from: a.from, to: a.to })]));
    expect(planned.find((p) => p.from === ownKey)).toMatchObject({ outcome: 'skipped' });
    expect(await secretStore().get(a.from)).toBe(before);
    expect(await secretStore().get(a.to)).toBeUndefined();
    expect(await refOf(a.shop)).toBe(a.from);

    const run = await cli(['shopify', 'migrate-tokens']);
    expect(run.out).toMatch(new RegExp(`migrated\\s+${a.shop.replace(/\./g, '\\.')}`));
    expect(await secretStore().get(a.to)).toBe(before);
    expect(await refOf(a.shop)).toBe(a.to);
    expect(await secretStore().get(a.from)).toBeUndefined();
    expect(await secretStore().list(a.from)).toEqual([]);
    expect(await secretStore().get(ownKey)).toBeDefined();

    const again = await new ShopTokenMigration({ store: secretStore(), connections: connectionRegistry(), locks: shopifyTokenLocks(), secretRoot: secretRoot() }).run({ dryRun: false });
    expect(again.items.filter((i) => i.shop === a.shop)).toEqual([]);
    expect(again.items.find((i) => i.from === ownKey)).toMatchObject({ outcome: 'skipped' });
  });

  it('finishes a run interrupted after the copy (new secret written, reference still old)', async () => {
    const a = await legacyShop();
    const value = (await secretStore().get(a.from))!;
    await secretStore().put(a.to, value); // the earlier run got this far
    const report = await new ShopTokenMigration({ store: secretStore(), connections: connectionRegistry(), locks: shopifyTokenLocks(), secretRoot: secretRoot() }).run({ dryRun: false });
    expect(report.items.find((i) => i.shop === a.shop)).toMatchObject({ outcome: 'migrated', reference_updated: true });
    expect(await refOf(a.shop)).toBe(a.to);
    expect(await secretStore().get(a.from)).toBeUndefined();
  });

  it('waits for a refresh holding the shop’s lock and copies the rotated refresh token: Shopify accepts it afterwards', async () => {
    const a = await legacyShop({ expiresInS: 600 }); // inside the refresh margin: the next call refreshes
    const manager = () =>
      new TokenManager({
        tokens: shopTokenStore(),
        endpoint: new ShopifyTokenEndpoint({ config: shopifyConfig(), fetch }),
        locks: new TokenLocks(table('shopify-token-locks')),
        app: shopifyApp,
        connections: connectionRegistry(),
        publisher: eventPublisher(),
        waitStepMs: 50,
      });
    const spentBefore = JSON.parse((await secretStore().get(a.from))!).refresh_token as string;
    // A function that read the reference before the move refreshes (Shopify takes 300 ms) …
    const refreshing = manager().accessToken({ shop: a.shop, workspaceId: a.ws, secretName: a.from }, { deadline: Date.now() + 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    // … while the migration runs: it waits for the lock, then copies what the refresh stored.
    const migration = new ShopTokenMigration({ store: secretStore(), connections: connectionRegistry(), locks: shopifyTokenLocks(), secretRoot: secretRoot(), waitStepMs: 50, maxWaitMs: 10_000 });
    const [token, report] = await Promise.all([refreshing, migration.run({ dryRun: false })]);
    expect(report.items.find((i) => i.shop === a.shop)).toMatchObject({ outcome: 'migrated' });
    const moved = (await shopTokenStore().read(a.to))!;
    expect(moved.access_token).toBe(token);
    expect(moved.refresh_token).not.toBe(spentBefore);
    expect(await secretStore().get(a.from)).toBeUndefined();

    // The refresh token at the new name is the live one: a forced refresh through it works.
    const next = await manager().rejected({ shop: a.shop, workspaceId: a.ws, secretName: a.to }, token, { deadline: Date.now() + 20_000 });
    expect(next).not.toBe(token);
    expect((await connectionRegistry().get('shopify', a.shop))!.status).toBe('active');
  });

  it('keeps the old secret while a refresh of its token was left unfinished (its successor could still land there)', async () => {
    const a = await legacyShop();
    const refreshToken = JSON.parse((await secretStore().get(a.from))!).refresh_token as string;
    // A holder claimed the token for spending and stalled past its lease (say, a function frozen mid-refresh).
    const locks = shopifyTokenLocks();
    const stalled = (await locks.acquire(a.shop, 60_000))!;
    expect(await locks.beginSpend(a.shop, stalled.owner, refreshTokenFingerprint(refreshToken), 1)).toBeDefined();
    await locks.release(a.shop, stalled.owner);
    await new Promise((r) => setTimeout(r, 10));

    const migration = () => new ShopTokenMigration({ store: secretStore(), connections: connectionRegistry(), locks, secretRoot: secretRoot() });
    const first = await migration().run({ dryRun: false });
    expect(first.items.find((i) => i.shop === a.shop)).toMatchObject({ outcome: 'kept_old', reference_updated: true });
    expect(await secretStore().get(a.from)).toBeDefined();
    expect(await refOf(a.shop)).toBe(a.to);

    // The stalled holder does store its successor, at the old name: the next run copies it there.
    const late = { ...JSON.parse((await secretStore().get(a.from))!), refresh_token: 'shprt_successor', updated_at: new Date(Date.now() + 1000).toISOString() };
    await secretStore().put(a.from, JSON.stringify(late));
    await locks.finishSpend(a.shop, stalled.owner, refreshTokenFingerprint(refreshToken));
    const second = await migration().run({ dryRun: false });
    expect(second.items.find((i) => i.shop === a.shop)).toMatchObject({ outcome: 'migrated' });
    expect((await shopTokenStore().read(a.to))!.refresh_token).toBe('shprt_successor');
    expect(await secretStore().get(a.from)).toBeUndefined();
  });

  it('reports a shop as busy when a refresh keeps the lock, and keeps everything as it was', async () => {
    const a = await legacyShop();
    const held = await shopifyTokenLocks().acquire(a.shop, 60_000);
    try {
      const report = await new ShopTokenMigration({ store: secretStore(), connections: connectionRegistry(), locks: shopifyTokenLocks(), secretRoot: secretRoot(), waitStepMs: 50, maxWaitMs: 300 }).run({ dryRun: false });
      expect(report.items.find((i) => i.shop === a.shop)).toMatchObject({ outcome: 'busy' });
      expect(report.pending).toBeGreaterThan(0);
      expect(await refOf(a.shop)).toBe(a.from);
      expect(await secretStore().get(a.to)).toBeUndefined();
    } finally {
      await shopifyTokenLocks().release(a.shop, held!.owner);
    }
    const after = await cli(['shopify', 'migrate-tokens']);
    expect(after.code).toBe(0);
    expect(await refOf(a.shop)).toBe(a.to);
  });

  it('creates the new secrets with the KMS key the deployment names (IONFLUX_SECRETS_KMS_KEY_ID)', async () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    process.env.IONFLUX_SECRETS_KMS_KEY_ID = keyArn;
    await resetEnvironment();
    try {
      const a = await legacyShop();
      await new ShopTokenMigration({ store: secretStore(), connections: connectionRegistry(), locks: shopifyTokenLocks(), secretRoot: secretRoot() }).run({ dryRun: false });
      const client = new SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL!, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      expect((await client.send(new DescribeSecretCommand({ SecretId: a.to }))).KmsKeyId).toBe(keyArn);
      client.destroy();
    } finally {
      delete process.env.IONFLUX_SECRETS_KMS_KEY_ID;
      await resetEnvironment();
    }
  });
});

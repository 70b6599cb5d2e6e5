/**
 * Operator commands for Shopify, run in process against moto, Kafka and the fake Shopify: the install
 * link, a shop's status (token expiry shown, token values never), and a sync run on demand.
 */
import { runCli } from '../../cli/main';
import { shopTokenStore } from '../../shared/runtime/shopify';
import { verifyInstallLink } from '../../shared/shopify/install-link';
import { SHOPIFY_SECRET } from '../support/shopify';
import { newWorkspaceId } from '../support/environment';
import type { FakeShopify } from '../fakes/shopify/fake-shopify';
import { newShopDomain, PUBLIC_BASE_URL, seedInstalledShop, startShopifyEnvironment, stopShopifyEnvironment } from '../fakes/shopify/harness';

let fake: FakeShopify;
beforeAll(async () => {
  fake = await startShopifyEnvironment();
});
afterAll(() => stopShopifyEnvironment(fake));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ionflux shopify …', () => {
  it('install-url prints the signed install link for a shop and workspace', async () => {
    const result = await cli(['shopify', 'install-url', 'Acme-Store.myshopify.com', '--workspace', 'acme42']);
    expect(result.code).toBe(0);
    const url = new URL(result.out);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_BASE_URL}/oauth/shopify/install`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ shop: 'acme-store.myshopify.com', workspace_id: 'acme42', expires: expect.stringMatching(/^\d+$/) });
    expect(() =>
      verifyInstallLink([SHOPIFY_SECRET], { shop: 'acme-store.myshopify.com', workspaceId: 'acme42', expires: url.searchParams.get('expires')!, signature: url.searchParams.get('signature')! }, Date.now()),
    ).not.toThrow();
    expect((await cli(['shopify', 'install-url', 'evil.example.com', '--workspace', 'acme42'])).code).toBe(1);
    expect((await cli(['shopify', 'install-url', 'acme.myshopify.com'])).code).toBe(2);
  });

  it('status shows the connection and token expiry, never a token; sync runs a reconciliation now', async () => {
    const shop = newShopDomain('cli');
    const ws = newWorkspaceId('cli');
    const { secretName } = await seedInstalledShop(fake, shop, ws);
    const tokens = (await shopTokenStore().read(secretName))!;
    const status = await cli(['shopify', 'status', shop]);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.out);
    expect(parsed).toMatchObject({ connection: { account_id: shop, workspace_id: ws, status: 'active' }, token: { kind: 'expiring_offline', expires_at: expect.any(String) } });
    expect(status.out).not.toContain(tokens.access_token);
    expect(status.out).not.toContain(tokens.refresh_token!);

    const sync = await cli(['shopify', 'sync', 'reconcile', shop]);
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.out)).toMatchObject({ status: 'done', result: { shop_domain: shop, checked: 0, published: 0 } });
    expect((await cli(['shopify', 'status', newShopDomain('nobody')])).code).toBe(1);
    expect((await cli(['shopify', 'sync', 'everything', shop])).code).toBe(2);
  });
});

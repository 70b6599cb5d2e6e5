/**
 * The GraphQL Admin client against the fake Shopify's leaky bucket and faults: queries paced from
 * extensions.cost so a burst completes without THROTTLED; clients that do not share a budget get
 * THROTTLED (HTTP 200) and still complete; Retry-After is honoured in seconds; deadlines are kept;
 * cursor pagination; bulk operations end to end; every data query stays under the 1,000-point cap.
 */
import { shopClients, shopifyConfig, shopifyTokenManager } from '../../shared/runtime/shopify';
import { BulkOperations } from '../../shared/shopify/bulk-operations';
import { graphqlEndpoint } from '../../shared/shopify/config';
import { listCustomers, listInventory, listOrders, listProducts, readShop } from '../../shared/shopify/data-access';
import { ShopifyApiError, ShopifyUserError } from '../../shared/shopify/errors';
import { parseRetryAfter, ShopifyGraphqlClient } from '../../shared/shopify/graphql-client';
import { collectAll, paginate, type GraphqlConnection } from '../../shared/shopify/pagination';
import { ThrottleBudgets } from '../../shared/shopify/throttle-budget';
import { newWorkspaceId } from '../support/environment';
import type { FakeOrder, FakeShopify } from '../fakes/shopify/fake-shopify';
import { newShopDomain, seedInstalledShop, startShopifyEnvironment, stopShopifyEnvironment } from '../fakes/shopify/harness';

let fake: FakeShopify;

beforeAll(async () => {
  fake = await startShopifyEnvironment();
});
afterAll(() => stopShopifyEnvironment(fake));
afterEach(() => fake.configure({ maximumAvailable: 1000, restoreRate: 100 }));

const THEMES = 'query Themes { themes(first: 50) { nodes { id name } } }'; // 2 + 50 × 1 = 52 points requested
/** 50 themes: the actual cost is close to the requested one (Shopify refunds the difference). */
const fiftyThemes = () => ({ themes: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: `Theme ${i}`, role: i === 0 ? ('MAIN' as const) : ('UNPUBLISHED' as const) })) });
const deadline = (ms = 20_000) => Date.now() + ms;

async function shopWithClient(data: Parameters<FakeShopify['addShop']>[1] = {}) {
  const shop = newShopDomain('gql');
  const ws = newWorkspaceId('gql');
  await seedInstalledShop(fake, shop, ws, { data });
  return { shop, ws, ctx: await shopClients().forWorkspace(ws) };
}

/** A client with its own budget (another Lambda instance) and, optionally, a recording sleep. */
async function separateClient(shop: string, ws: string, options: { sleep?: (ms: number) => Promise<void>; maxAttempts?: number } = {}) {
  const tokens = shopifyTokenManager();
  const { access } = await shopClients().forWorkspace(ws);
  return new ShopifyGraphqlClient({
    shop,
    endpoint: graphqlEndpoint(shopifyConfig(), shop),
    tokens: { token: (o) => tokens.accessToken(access, o), rejected: (t, o) => tokens.rejected(access, t, o) },
    fetch,
    budgets: new ThrottleBudgets(),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
}

describe('GraphQL Admin client (fake Shopify)', () => {
  it('paces a burst from extensions.cost: no THROTTLED, and the time the bucket needs', async () => {
    fake.configure({ maximumAvailable: 100, restoreRate: 1000 });
    const { shop, ctx } = await shopWithClient(fiftyThemes());
    const started = Date.now();
    for (let i = 0; i < 12; i++) await ctx.client.request(THEMES, {}, { deadline: deadline() });
    const elapsed = Date.now() - started;
    const calls = fake.requests.filter((r) => r.kind === 'graphql' && r.shop === shop && r.rootFields?.includes('themes'));
    expect(calls).toHaveLength(12);
    expect(calls.filter((r) => r.throttled)).toHaveLength(0);
    expect(calls.every((r) => r.requestedCost === 52)).toBe(true);
    // 12 × 52 points through a 100-point bucket refilling 1000/s: at least ~0.5 s of waiting.
    expect(elapsed).toBeGreaterThanOrEqual(450);
  });

  it('retries THROTTLED (HTTP 200) from clients that share no budget, and every query completes', async () => {
    fake.configure({ maximumAvailable: 100, restoreRate: 500 });
    const { shop, ws } = await shopWithClient(fiftyThemes());
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return new Promise<void>((r) => setTimeout(r, ms));
    };
    const clients = await Promise.all([1, 2, 3].map(() => separateClient(shop, ws, { sleep, maxAttempts: 20 })));
    const results = await Promise.all(clients.flatMap((c) => [1, 2, 3, 4].map(() => c.request<{ themes: { nodes: unknown[] } }>(THEMES, {}, { deadline: deadline() }))));
    expect(results).toHaveLength(12);
    for (const r of results) expect(r.themes.nodes).toHaveLength(50);
    const calls = fake.requests.filter((r) => r.kind === 'graphql' && r.shop === shop && r.rootFields?.includes('themes'));
    expect(calls.filter((r) => r.throttled).length).toBeGreaterThan(0);
    expect(calls.filter((r) => !r.throttled)).toHaveLength(12);
    // Waits come from throttleStatus and the client's own reservations ((cost - available) / 500
    // points/s): a client's four concurrent queries never need more than 4 × 52 points of refill.
    expect(waits.length).toBeGreaterThan(0);
    for (const w of waits) expect(w).toBeLessThanOrEqual(Math.ceil(((4 * 52) / 500) * 1000) + 10);
  });

  it('waits Retry-After in seconds (2.0 → 2000 ms), backs off without it, and keeps the deadline', async () => {
    const { shop, ws } = await shopWithClient();
    const waits: number[] = [];
    const client = await separateClient(shop, ws, { sleep: async (ms) => void waits.push(ms) });
    fake.failGraphql(429, { retryAfter: '2.0', shop });
    fake.failGraphql(503, { retryAfter: '1', shop });
    fake.failGraphql(502, { shop });
    await expect(client.request(THEMES, {}, { deadline: deadline() })).resolves.toMatchObject({ themes: { nodes: [expect.any(Object)] } });
    expect(waits.slice(0, 2)).toEqual([2000, 1000]);
    expect(waits[2]).toBeGreaterThanOrEqual(250);
    expect(waits[2]).toBeLessThanOrEqual(2000);

    fake.failGraphql(429, { retryAfter: '30', shop });
    const error = await client.request(THEMES, {}, { deadline: deadline(5_000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyApiError);
    expect(error).toMatchObject({ status: 503, headers: { 'retry-after': '30' } });
    expect(waits.filter((w) => w >= 30_000)).toHaveLength(0);

    expect(parseRetryAfter('2.5')).toBe(2500);
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('turns GraphQL errors into clear failures (unknown field, cost above the cap)', async () => {
    const { ctx } = await shopWithClient();
    await expect(ctx.client.request('query { shop { nope } }', {}, { deadline: deadline() })).rejects.toMatchObject({ code: 'shopify_api_error', message: expect.stringContaining("Field 'nope' doesn't exist") });
    await expect(ctx.client.request('query { products(first: 250) { nodes { id variants(first: 250) { nodes { id } } } } }', {}, { deadline: deadline() })).rejects.toMatchObject({
      message: expect.stringContaining('exceeds the single query max cost'),
    });
  });

  it('paginates with cursors until the last page', async () => {
    const orders: FakeOrder[] = Array.from({ length: 7 }, (_, i) => ({ id: 100 + i, name: `#${100 + i}`, createdAt: '2026-11-01T00:00:00Z', updatedAt: `2026-11-0${i + 1}T00:00:00Z`, total: '1.00' }));
    const { ctx } = await shopWithClient({ orders });
    const query = 'query P($first: Int!, $after: String) { orders(first: $first, after: $after, sortKey: UPDATED_AT) { edges { cursor node { legacyResourceId } } pageInfo { hasNextPage endCursor } } }';
    const pages: string[][] = [];
    for await (const page of paginate<{ legacyResourceId: string }>(async (after) => (await ctx.client.request<{ orders: GraphqlConnection<{ legacyResourceId: string }> }>(query, { first: 3, after }, { deadline: deadline() })).orders)) {
      pages.push(page.map((o) => o.legacyResourceId));
    }
    expect(pages).toEqual([['100', '101', '102'], ['103', '104', '105'], ['106']]);
    const capped = await collectAll(paginate<{ legacyResourceId: string }>(async (after) => (await ctx.client.request<{ orders: GraphqlConnection<{ legacyResourceId: string }> }>(query, { first: 3, after }, { deadline: deadline() })).orders, { maxItems: 4 }));
    expect(capped.map((o) => o.legacyResourceId)).toEqual(['100', '101', '102', '103']);
  });

  it('runs a bulk operation: start, poll until COMPLETED, stream the JSONL; one at a time per shop', async () => {
    const products = Array.from({ length: 3 }, (_, i) => ({ id: 10 + i, title: `P${i}`, variants: [{ id: 100 + i, sku: `SKU-${i}`, price: '9.99', inventoryQuantity: i }] }));
    const { ctx } = await shopWithClient({ products });
    const bulk = new BulkOperations(ctx.client, { fetch, sleep: async () => undefined });
    const query = '{ products { edges { node { id title variants { edges { node { id sku } } } } } } }';
    const op = await bulk.start(query, deadline());
    expect(op.status).toBe('CREATED');
    await expect(bulk.start(query, deadline())).rejects.toBeInstanceOf(ShopifyUserError);
    const done = await bulk.poll(op.id, { deadline: deadline(), intervalMs: 1 });
    expect(done).toMatchObject({ status: 'COMPLETED', objectCount: '6', url: expect.stringContaining('/bulk/') });
    const lines = [];
    for await (const line of bulk.download(done.url!, { deadline: deadline() })) lines.push(line);
    expect(lines).toEqual([
      { id: 'gid://shopify/Product/10', title: 'P0' },
      { id: 'gid://shopify/ProductVariant/100', sku: 'SKU-0', __parentId: 'gid://shopify/Product/10' },
      { id: 'gid://shopify/Product/11', title: 'P1' },
      { id: 'gid://shopify/ProductVariant/101', sku: 'SKU-1', __parentId: 'gid://shopify/Product/11' },
      { id: 'gid://shopify/Product/12', title: 'P2' },
      { id: 'gid://shopify/ProductVariant/102', sku: 'SKU-2', __parentId: 'gid://shopify/Product/12' },
    ]);
  });

  it('keeps every data query at its largest page under the 1,000-point single-query cap', async () => {
    const { shop, ctx } = await shopWithClient();
    const d = deadline();
    await readShop(ctx.client, { includePii: true, deadline: d });
    await listOrders(ctx.client, { limit: 50, includePii: true, deadline: d });
    await listOrders(ctx.client, { limit: 15, includePii: true, includeLineItems: true, deadline: d });
    await listProducts(ctx.client, { limit: 40, includePii: false, deadline: d });
    await listInventory(ctx.client, { limit: 25, includePii: false, deadline: d });
    await listCustomers(ctx.client, { limit: 100, includePii: true, deadline: d });
    const costs = fake.requests.filter((r) => r.kind === 'graphql' && r.shop === shop && r.requestedCost !== undefined).map((r) => r.requestedCost!);
    expect(costs).toHaveLength(6);
    for (const cost of costs) expect(cost).toBeLessThanOrEqual(1000);
    expect(Math.max(...costs)).toBeGreaterThan(500); // the caps are meaningful, not tiny pages
    await expect(listOrders(ctx.client, { limit: 16, includePii: false, includeLineItems: true, deadline: d })).rejects.toMatchObject({ code: 'invalid_limit', status: 400 });
  });
});

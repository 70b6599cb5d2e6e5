/**
 * The fake Shopify as a dev tool (`npx ionflux dev fake shopify`): OAuth authorize and token endpoints
 * and the GraphQL Admin API, where every `*.myshopify.com` store exists on first use with a small demo
 * catalog (orders, products, a customer, two themes, a script tag). docs/shopify.md walks through it.
 */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeShopify, type FakeShopData } from './fake-shopify';

export const DEV_CLIENT_ID = 'ionflux-dev-app';
export const DEV_CLIENT_SECRET = 'shpss_dev_fake_secret';

/** Every store the dev fake creates: enough for each data route and a rollback dry run. */
export function demoShop(domain: string): Partial<Omit<FakeShopData, 'bulkOperations' | 'bucket' | 'webhookSubscriptions'>> {
  const day = (n: number) => new Date(Date.UTC(2026, 10, 20 + n, 14, 0, 0)).toISOString();
  const customer = { id: 501, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+351210000001' };
  return {
    name: domain.split('.')[0]!,
    currency: 'USD',
    timezone: 'America/New_York',
    orders: [1, 2, 3].map((n) => ({
      id: 4000 + n,
      name: `#10${n}`,
      createdAt: day(n),
      updatedAt: day(n),
      total: `${(19.9 * n).toFixed(2)}`,
      customer,
      lineItems: [{ id: 7000 + n, title: 'Example T-Shirt', quantity: n, sku: 'TS-1', price: '19.90' }],
    })),
    products: [
      { id: 601, title: 'Example T-Shirt', updatedAt: day(0), variants: [{ id: 6011, sku: 'TS-1', price: '19.90', inventoryQuantity: 12 }] },
      { id: 602, title: 'Example Mug', updatedAt: day(1), variants: [{ id: 6021, sku: 'MUG-1', price: '9.50', inventoryQuantity: 40 }] },
    ],
    customers: [{ ...customer, updatedAt: day(2) }],
    themes: [
      { id: 1, name: 'Dawn', role: 'MAIN' },
      { id: 2, name: 'Dawn (before the sale)', role: 'UNPUBLISHED' },
    ],
    scriptTags: [{ id: 11, src: 'https://cdn.bad-tracker.example/t.js' }],
  };
}

export const shopifyDevFake: DevFake = {
  summary: 'Shopify: OAuth install, token endpoint, GraphQL Admin API; any *.myshopify.com store exists with demo data',
  options: {
    'client-id': { type: 'string', description: "the app's client id", default: DEV_CLIENT_ID },
    'client-secret': { type: 'string', description: "the app's client secret (signs OAuth callbacks and webhooks)", default: DEV_CLIENT_SECRET },
  },
  async start({ port, secretRoot, values }) {
    const clientId = String(values['client-id'] ?? DEV_CLIENT_ID);
    const clientSecret = String(values['client-secret'] ?? DEV_CLIENT_SECRET);
    const fake = await new FakeShopify({ clientId, clientSecret, port, newShop: demoShop, bulkPollsToComplete: 1 }).start();
    return {
      origin: fake.origin,
      env: { SHOPIFY_API_ORIGIN: fake.apiOriginTemplate },
      secrets: { [platformSecretName(secretRoot, 'shopify')]: { client_id: clientId, client_secret: clientSecret } },
      notes: [
        'every *.myshopify.com store exists: 3 orders, 2 products, 1 customer, themes Dawn (main, id 1) and',
        '"Dawn (before the sale)" (id 2), a script tag from bad-tracker.example; state lives until it stops',
      ],
      stop: () => fake.stop(),
    };
  },
};

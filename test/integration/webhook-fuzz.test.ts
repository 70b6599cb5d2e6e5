/**
 * Fuzzing the Shopify webhook handler (fast-check) against the real services: whatever the headers and
 * bodies, it never answers 5xx, and it never accepts a request whose signature is not the HMAC of the
 * exact bytes received.
 */
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { handler } from '../../functions/webhooks/shopify';
import { connectionRegistry } from '../../shared/runtime/connections';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { invokeHttp } from '../support/http';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { configureShopifySecret, SHOPIFY_SECRET } from '../support/shopify';

const shop = `fuzz-${randomUUID().slice(0, 8)}.myshopify.com`;
const sign = (body: Buffer) => createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64');

beforeAll(async () => {
  await useLocalServices();
  await configureShopifySecret();
  await connectionRegistry().connect('shopify', shop, newWorkspaceId('fuzz'));
});
afterAll(() => resetEnvironment());

const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('orders/create', 'products/update', shop, 'x/y', ''));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const body = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.json().map((j) => Buffer.from(j)),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ id: 1, v }))),
);

const request = fc.record({
  body,
  signature: fc.oneof(
    fc.constant('valid' as const),
    fc.constant(undefined),
    fc.base64String({ minLength: 0, maxLength: 60 }),
    fc.string({ maxLength: 50 }),
  ),
  topic: maybe(headerValue),
  shopDomain: maybe(headerValue),
  webhookId: maybe(fc.string({ maxLength: 20 })),
  eventId: maybe(fc.string({ maxLength: 20 })),
  contentType: maybe(fc.constantFrom('application/json', 'text/plain', 'application/octet-stream')),
});

describe('Shopify webhook handler under fuzzing', () => {
  it('never answers 5xx and never accepts a forgery', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const signature = r.signature === 'valid' ? sign(r.body) : r.signature;
        const headers: Record<string, string | undefined> = {
          'content-type': r.contentType,
          'x-shopify-hmac-sha256': signature,
          'x-shopify-topic': r.topic,
          'x-shopify-shop-domain': r.shopDomain,
          'x-shopify-webhook-id': r.webhookId,
          'x-shopify-event-id': r.eventId,
        };
        const result = await invokeHttp(handler as never, { method: 'POST', rawPath: '/webhooks/shopify', routeKey: 'POST /webhooks/shopify', headers, body: r.body });
        expect(result.status).toBeLessThan(500);
        expect(result.json?.error?.code ?? result.json?.status).toBeDefined();
        const genuine = signature !== undefined && signature.trim() === sign(r.body);
        if (!genuine) expect(result.status).toBe(401);
        if (result.status === 200) expect(genuine).toBe(true);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});

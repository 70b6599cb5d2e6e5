/**
 * Shopify webhook signatures: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(app client secret, raw body)).
 * Compared in constant time over the raw bytes, before anything parses the body.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** 32 bytes in canonical base64. */
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

export const signShopifyWebhook = (rawBody: Buffer | string, secret: string): string => createHmac('sha256', secret).update(rawBody).digest('base64');

/**
 * True when `signature` can be a Shopify HMAC at all: 32 bytes in canonical base64. Needs no key, so a
 * request that fails it is refused before any secret is read.
 */
export function isShopifySignatureShape(signature: string): boolean {
  // Base64 decoding ignores the last character's two spare bits: only the canonical spelling is accepted.
  return BASE64_SHA256.test(signature) && Buffer.from(signature, 'base64').toString('base64') === signature;
}

export function verifyShopifyWebhook(rawBody: Buffer, signature: string, secrets: string[]): boolean {
  if (!isShopifySignatureShape(signature)) return false;
  const given = Buffer.from(signature, 'base64');
  let ok = false;
  // Every candidate is checked (no early exit), so timing does not tell which secret matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    ok = timingSafeEqual(expected, given) || ok;
  }
  return ok;
}

/**
 * The headers Shopify sends with a webhook, signed over `rawBody`: for the operator CLI's demo sender,
 * the benchmarks and the tests (one place that knows what a delivery looks like).
 */
export function signedShopifyHeaders(
  rawBody: Buffer,
  secret: string,
  delivery: { topic: string; shop: string; webhookId?: string; eventId?: string; triggeredAt?: string },
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-shopify-topic': delivery.topic,
    'x-shopify-shop-domain': delivery.shop,
    'x-shopify-hmac-sha256': signShopifyWebhook(rawBody, secret),
    'x-shopify-webhook-id': delivery.webhookId ?? randomUUID(),
    'x-shopify-event-id': delivery.eventId ?? randomUUID(),
    'x-shopify-api-version': '2026-10',
    'x-shopify-triggered-at': delivery.triggeredAt ?? new Date().toISOString(),
  };
}

/**
 * Shopify webhook signatures: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(app client secret, raw body)).
 * Compared in constant time over the raw bytes, before anything parses the body.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** 32 bytes in canonical base64. */
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

export const signShopifyWebhook = (rawBody: Buffer | string, secret: string): string => createHmac('sha256', secret).update(rawBody).digest('base64');

export function verifyShopifyWebhook(rawBody: Buffer, signature: string, secrets: string[]): boolean {
  if (!BASE64_SHA256.test(signature)) return false;
  const given = Buffer.from(signature, 'base64');
  let ok = false;
  // Every candidate is checked (no early exit), so timing does not tell which secret matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    ok = timingSafeEqual(expected, given) || ok;
  }
  return ok;
}

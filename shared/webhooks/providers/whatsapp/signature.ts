/**
 * Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
 * Meta signs the bytes it sends (an escaped-unicode JSON with lower-case hex, `\/` for `/`): only the
 * raw bytes as received verify, never JSON parsed and serialised again. Compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

export const signWhatsAppWebhook = (rawBody: Buffer | string, appSecret: string): string => `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;

/** `sha256=` and 64 hex digits: anything else cannot verify (checked before any key is read). */
export const isWhatsAppSignatureShape = (header: string): boolean => SIGNATURE.test(header.trim());

export function verifyWhatsAppSignature(rawBody: Buffer, header: string, secrets: string[]): boolean {
  const match = SIGNATURE.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'hex');
  let ok = false;
  // Every candidate is checked (no early exit), so timing does not tell which secret matched.
  for (const secret of secrets) ok = timingSafeEqual(createHmac('sha256', secret).update(rawBody).digest(), given) || ok;
  return ok;
}

/** The headers Meta sends with a webhook, signed over `rawBody` (tests, benchmarks, the CLI's sender). */
export const signedWhatsAppHeaders = (rawBody: Buffer | string, appSecret: string): Record<string, string> => ({
  'content-type': 'application/json',
  'x-hub-signature-256': signWhatsAppWebhook(rawBody, appSecret),
});

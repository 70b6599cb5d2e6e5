/**
 * TikTok webhook signatures (developers.tiktok.com/doc/webhooks-verification): header
 * `TikTok-Signature: t=<unix seconds>,s=<hex>`, where `s` = hex HMAC-SHA256 of `"<t>." + raw body` with the
 * app's client secret. Compared in constant time over the raw bytes, before anything parses the body; the
 * timestamp must be within 5 minutes of when we received the request (TikTok names no tolerance).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_S = 300;

export type SignatureCheck = 'ok' | 'missing' | 'invalid' | 'expired';

export const signTikTokPayload = (rawBody: Buffer | string, secret: string, timestamp: number | string): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');

/** `t=…,s=…` split on "," then on the first "="; undefined when either part is missing or malformed. */
export function parseTikTokSignature(header: string): { t: string; s: string } | undefined {
  const parts = new Map<string, string>();
  for (const element of header.split(',')) {
    const at = element.indexOf('=');
    if (at <= 0) continue;
    parts.set(element.slice(0, at).trim(), element.slice(at + 1).trim());
  }
  const t = parts.get('t');
  const s = parts.get('s');
  if (!t || !/^\d{1,12}$/.test(t) || !s || !/^[0-9a-f]{64}$/i.test(s)) return undefined;
  return { t, s: s.toLowerCase() };
}

export function verifyTikTokSignature(rawBody: Buffer, header: string | undefined, secrets: readonly string[], receivedAtMs: number, toleranceS = SIGNATURE_TOLERANCE_S): SignatureCheck {
  if (!header?.trim()) return 'missing';
  const parsed = parseTikTokSignature(header);
  if (!parsed) return 'invalid';
  const given = Buffer.from(parsed.s, 'hex');
  let ok = false;
  // Every candidate is checked (no early exit), so timing does not tell which secret matched.
  for (const secret of secrets) ok = timingSafeEqual(Buffer.from(signTikTokPayload(rawBody, secret, parsed.t), 'hex'), given) || ok;
  if (!ok) return 'invalid';
  return Math.abs(receivedAtMs / 1000 - Number(parsed.t)) <= toleranceS ? 'ok' : 'expired';
}

/** The header TikTok sends with `rawBody` (for the CLI's demo sender, the fake and the tests). */
export function signedTikTokHeaders(rawBody: Buffer | string, secret: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { 'content-type': 'application/json', 'tiktok-signature': `t=${timestamp},s=${signTikTokPayload(rawBody, secret, timestamp)}` };
}

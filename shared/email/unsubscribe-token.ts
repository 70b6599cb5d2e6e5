/**
 * One-click unsubscribe tokens (RFC 8058): which workspace, which address, from which message,
 * HMAC-SHA256-signed with the platform's unsubscribe key so nobody can unsubscribe an address they
 * did not receive mail for. `v1.<payload>.<signature>`, base64url, no expiry (an unsubscribe link must
 * keep working); the previous key is still accepted during a rotation.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isEmailAddress } from './addresses';

export interface UnsubscribeClaims {
  workspaceId: string;
  email: string;
  dispatchId: string;
}

const VERSION = 'v1';

const sign = (key: string, payload: string): Buffer => createHmac('sha256', key).update(`${VERSION}.${payload}`).digest();

export function createUnsubscribeToken(claims: UnsubscribeClaims, key: string): string {
  const payload = Buffer.from(JSON.stringify({ w: claims.workspaceId, e: claims.email, d: claims.dispatchId })).toString('base64url');
  return `${VERSION}.${payload}.${sign(key, payload).toString('base64url')}`;
}

/** The claims of a token signed by one of `keys`, or undefined (malformed, forged, or signed by another key). */
export function verifyUnsubscribeToken(token: string, keys: string[]): UnsubscribeClaims | undefined {
  const match = /^v1\.([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const [, payload, signature] = match as unknown as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  if (!keys.some((key) => timingSafeEqual(sign(key, payload), given))) return undefined;
  let claims: { w?: unknown; e?: unknown; d?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return undefined;
  }
  if (typeof claims.w !== 'string' || typeof claims.e !== 'string' || typeof claims.d !== 'string' || !isEmailAddress(claims.e)) return undefined;
  return { workspaceId: claims.w, email: claims.e, dispatchId: claims.d };
}

/** The List-Unsubscribe headers of a marketing message (RFC 2369 + RFC 8058 one-click). */
export function listUnsubscribeHeaders(publicBaseUrl: string, token: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${publicBaseUrl}/email/unsubscribe?token=${token}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/**
 * Signed install links. `/oauth/shopify/install` is public, so the workspace it installs into cannot be
 * taken from the query on trust: anyone who knew a workspace id could attach their own shop to it.
 * Links are issued by the platform (internal `POST /v1/shopify/workspaces/{id}/install-link`, or the
 * operator CLI) and carry `expires` and a `signature`: hex HMAC-SHA256 of shop, workspace and expiry
 * with a key derived from the app's client secret (never the bare secret, which signs Shopify's own
 * webhooks and callbacks).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { OAuthRefusedError } from './errors';

const KEY_LABEL = 'ionflux/shopify/install-link/v1';
export const INSTALL_LINK_TTL_S = 24 * 3600;
export const MAX_INSTALL_LINK_TTL_S = 7 * 24 * 3600;

const derivedKey = (clientSecret: string) => createHmac('sha256', clientSecret).update(KEY_LABEL).digest();

export function signInstallLink(clientSecret: string, shop: string, workspaceId: string, expires: number): string {
  return createHmac('sha256', derivedKey(clientSecret)).update(`${shop}\n${workspaceId}\n${expires}`).digest('hex');
}

/** The query of an install link valid for `ttlS` seconds from `now` (epoch ms). */
export function installLinkQuery(clientSecret: string, shop: string, workspaceId: string, now: number, ttlS = INSTALL_LINK_TTL_S): URLSearchParams {
  const expires = Math.floor(now / 1000) + ttlS;
  return new URLSearchParams({ shop, workspace_id: workspaceId, expires: String(expires), signature: signInstallLink(clientSecret, shop, workspaceId, expires) });
}

/** Refuses an install link that was not issued by us for this shop and workspace, or that expired. */
export function verifyInstallLink(
  secrets: string[],
  input: { shop: string; workspaceId: string; expires: string | undefined; signature: string | undefined },
  now: number,
): void {
  if (!input.signature || !input.expires) {
    throw new OAuthRefusedError('install_link_unsigned', 'this install link is not signed; ask IONFLUX for a new link to connect the store', 401);
  }
  const expires = Number(input.expires);
  if (!/^[0-9a-f]{64}$/.test(input.signature) || !Number.isInteger(expires)) {
    throw new OAuthRefusedError('install_link_invalid', 'this install link is not valid; ask IONFLUX for a new link', 401);
  }
  const given = Buffer.from(input.signature, 'hex');
  let ok = false;
  for (const secret of secrets) ok = timingSafeEqual(Buffer.from(signInstallLink(secret, input.shop, input.workspaceId, expires), 'hex'), given) || ok;
  if (!ok) throw new OAuthRefusedError('install_link_invalid', 'this install link is not valid for this store and workspace; ask IONFLUX for a new link', 401);
  if (expires * 1000 < now) throw new OAuthRefusedError('install_link_expired', 'this install link has expired; ask IONFLUX for a new link', 400);
}

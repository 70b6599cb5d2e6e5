/**
 * Signed install links. The public install routes (`/oauth/<provider>/install`) cannot take the workspace
 * they connect into from the query on trust: anyone who knew a workspace id could attach their own account
 * to it. Links are issued by the platform (an internal `install-link` route, or the operator CLI) and carry
 * `expires` and a `signature`: hex HMAC-SHA256 of the link's bound values (workspace, and e.g. the shop or
 * the scopes) and its expiry, with a key derived from the app's client secret and a per-provider label
 * (never the bare secret, which signs the provider's own webhooks and callbacks).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { OAuthRefusedError } from './errors';

export const INSTALL_LINK_TTL_S = 24 * 3600;
export const MAX_INSTALL_LINK_TTL_S = 7 * 24 * 3600;

export interface InstallLinkScheme {
  /** Key derivation label, e.g. `ionflux/shopify/install-link/v1`: a link of one provider is never valid for another. */
  keyLabel: string;
  /** What is being connected, for messages: "store", "account". */
  subject: string;
}

const derivedKey = (clientSecret: string, label: string) => createHmac('sha256', clientSecret).update(label).digest();

/** Hex signature of `parts` (in order) and the expiry (epoch seconds). */
export function signInstallLinkParts(scheme: InstallLinkScheme, clientSecret: string, parts: readonly string[], expires: number): string {
  return createHmac('sha256', derivedKey(clientSecret, scheme.keyLabel)).update([...parts, String(expires)].join('\n')).digest('hex');
}

/** `expires` (epoch seconds) of a link valid for `ttlS` seconds from `now` (epoch ms). */
export const installLinkExpiry = (now: number, ttlS = INSTALL_LINK_TTL_S): number => Math.floor(now / 1000) + ttlS;

/** Refuses a link that was not signed by us over these `parts` (with any of `secrets`), or that expired. */
export function verifyInstallLinkParts(
  scheme: InstallLinkScheme,
  secrets: readonly string[],
  input: { parts: readonly string[]; expires: string | undefined; signature: string | undefined },
  now: number,
): void {
  if (!input.signature || !input.expires) {
    throw new OAuthRefusedError('install_link_unsigned', `this install link is not signed; ask IONFLUX for a new link to connect the ${scheme.subject}`, 401);
  }
  const expires = Number(input.expires);
  if (!/^[0-9a-f]{64}$/.test(input.signature) || !Number.isInteger(expires)) {
    throw new OAuthRefusedError('install_link_invalid', 'this install link is not valid; ask IONFLUX for a new link', 401);
  }
  const given = Buffer.from(input.signature, 'hex');
  let ok = false;
  // Every candidate is checked (no early exit), so timing does not tell which secret matched.
  for (const secret of secrets) ok = timingSafeEqual(Buffer.from(signInstallLinkParts(scheme, secret, input.parts, expires), 'hex'), given) || ok;
  if (!ok) throw new OAuthRefusedError('install_link_invalid', `this install link is not valid for this ${scheme.subject} and workspace; ask IONFLUX for a new link`, 401);
  if (expires * 1000 < now) throw new OAuthRefusedError('install_link_expired', 'this install link has expired; ask IONFLUX for a new link', 400);
}

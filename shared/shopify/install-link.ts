/**
 * Signed Shopify install links (the OAuth core's scheme, shared/oauth/install-link.ts): the signature binds
 * the shop, the workspace and the expiry, with a key derived from the app's client secret under the label
 * `ionflux/shopify/install-link/v1` (links issued before the core existed stay valid).
 */
import { INSTALL_LINK_TTL_S, type InstallLinkScheme, installLinkExpiry, signInstallLinkParts, verifyInstallLinkParts } from '../oauth/install-link';

export { INSTALL_LINK_TTL_S, MAX_INSTALL_LINK_TTL_S } from '../oauth/install-link';

const SCHEME: InstallLinkScheme = { keyLabel: 'ionflux/shopify/install-link/v1', subject: 'store' };

export function signInstallLink(clientSecret: string, shop: string, workspaceId: string, expires: number): string {
  return signInstallLinkParts(SCHEME, clientSecret, [shop, workspaceId], expires);
}

/** The query of an install link valid for `ttlS` seconds from `now` (epoch ms). */
export function installLinkQuery(clientSecret: string, shop: string, workspaceId: string, now: number, ttlS = INSTALL_LINK_TTL_S): URLSearchParams {
  const expires = installLinkExpiry(now, ttlS);
  return new URLSearchParams({ shop, workspace_id: workspaceId, expires: String(expires), signature: signInstallLink(clientSecret, shop, workspaceId, expires) });
}

/** Refuses an install link that was not issued by us for this shop and workspace, or that expired. */
export function verifyInstallLink(
  secrets: string[],
  input: { shop: string; workspaceId: string; expires: string | undefined; signature: string | undefined },
  now: number,
): void {
  verifyInstallLinkParts(SCHEME, secrets, { parts: [input.shop, input.workspaceId], expires: input.expires, signature: input.signature }, now);
}

/** Canonical external account ids per provider (what the connections registry is keyed by). */
import { InvalidAccountIdError } from './errors';

/**
 * `whatsapp`: a business phone number (its phone_number_id), which messages and statuses are routed by;
 * `whatsapp_waba`: the WhatsApp Business Account that owns phone numbers and templates (template status
 * webhooks and the template API are addressed to it).
 */
export const connectionProviders = ['shopify', 'tiktok', 'whatsapp', 'whatsapp_waba'] as const;
export type ConnectionProvider = (typeof connectionProviders)[number];

/** Shopify's own rule for shop domains (shopify-api `sanitizeShop`). */
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-_]*\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)$/;

const RULES: Record<ConnectionProvider, { pattern: RegExp; expected: string; normalise: (id: string) => string }> = {
  shopify: { pattern: SHOP_DOMAIN, expected: 'a shop domain such as acme.myshopify.com', normalise: (id) => id.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '') },
  tiktok: { pattern: /^[A-Za-z0-9._-]{1,128}$/, expected: 'a TikTok open_id', normalise: (id) => id.trim() },
  whatsapp: { pattern: /^\d{5,32}$/, expected: 'a WhatsApp phone_number_id (digits)', normalise: (id) => id.trim() },
  whatsapp_waba: { pattern: /^\d{5,32}$/, expected: 'a WhatsApp Business Account id (digits)', normalise: (id) => id.trim() },
};

export function isConnectionProvider(value: string): value is ConnectionProvider {
  return (connectionProviders as readonly string[]).includes(value);
}

export function normaliseAccountId(provider: ConnectionProvider, accountId: string): string {
  const rule = RULES[provider];
  // Every pattern admits only ids that are already normal (no spaces, case, scheme or trailing slash).
  if (rule.pattern.test(accountId)) return accountId;
  const id = rule.normalise(accountId);
  if (!rule.pattern.test(id)) throw new InvalidAccountIdError(provider, accountId, rule.expected);
  return id;
}

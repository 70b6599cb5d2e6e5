/**
 * Shopify settings, parsed from an environment object by the composition root (shared/runtime/shopify.ts);
 * domain code receives the parsed value and never reads process.env.
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | SHOPIFY_API_ORIGIN | `https://{shop}` | Origin of a shop's Admin API; `{shop}` is replaced by the shop domain |
 * | SHOPIFY_API_VERSION | `2026-07` | GraphQL Admin API version |
 * | SHOPIFY_SCOPES | the seed's scopes | Comma-separated access scopes requested at install |
 * | IONFLUX_PUBLIC_BASE_URL | the request's own host | Public https origin of our API (OAuth redirect, webhook address) |
 * | SHOPIFY_POST_INSTALL_REDIRECT_URL | — | Where the browser goes after a successful install (else a page) |
 */
import { InvalidConfigError } from '../config/errors';

/** Seed §2.2: orders, products, inventory, customers, themes and script tags (read and write). */
export const DEFAULT_SCOPES = [
  'read_orders',
  'write_orders',
  'read_products',
  'write_products',
  'read_inventory',
  'write_inventory',
  'read_customers',
  'write_customers',
  'read_themes',
  'write_themes',
  'read_script_tags',
  'write_script_tags',
] as const;

export const DEFAULT_API_VERSION = '2026-07';

export interface ShopifyConfig {
  /** `https://{shop}` or e.g. `http://127.0.0.1:8081/shops/{shop}` for a local fake. */
  apiOriginTemplate: string;
  apiVersion: string;
  scopes: string[];
  /** Public origin of our API; when absent the request's own host is used. */
  publicBaseUrl?: string;
  postInstallRedirectUrl?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function checkUrl(variable: string, value: string, allowPlaceholder: boolean): string {
  let url: URL;
  try {
    url = new URL(allowPlaceholder ? value.replaceAll('{shop}', 'shop.myshopify.com') : value);
  } catch {
    throw new InvalidConfigError(variable, `must be an absolute URL (got "${value}")`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new InvalidConfigError(variable, 'must be https (plain http only to a loopback address)');
  }
  return value.replace(/\/+$/, '');
}

export function readShopifyConfig(env: NodeJS.ProcessEnv): ShopifyConfig {
  const apiOriginTemplate = checkUrl('SHOPIFY_API_ORIGIN', env.SHOPIFY_API_ORIGIN?.trim() || 'https://{shop}', true);
  const apiVersion = env.SHOPIFY_API_VERSION?.trim() || DEFAULT_API_VERSION;
  if (!/^(\d{4}-(01|04|07|10)|unstable)$/.test(apiVersion)) {
    throw new InvalidConfigError('SHOPIFY_API_VERSION', `must be a Shopify API version such as 2026-07 (got "${apiVersion}")`);
  }
  const scopes = env.SHOPIFY_SCOPES?.trim() ? env.SHOPIFY_SCOPES.split(',').map((s) => s.trim()).filter(Boolean) : [...DEFAULT_SCOPES];
  for (const scope of scopes) {
    if (!/^(unauthenticated_)?(read|write)_[a-z_]+$/.test(scope)) throw new InvalidConfigError('SHOPIFY_SCOPES', `"${scope}" is not an access scope`);
  }
  const config: ShopifyConfig = { apiOriginTemplate, apiVersion, scopes };
  if (env.IONFLUX_PUBLIC_BASE_URL?.trim()) config.publicBaseUrl = checkUrl('IONFLUX_PUBLIC_BASE_URL', env.IONFLUX_PUBLIC_BASE_URL.trim(), false);
  if (env.SHOPIFY_POST_INSTALL_REDIRECT_URL?.trim()) {
    config.postInstallRedirectUrl = checkUrl('SHOPIFY_POST_INSTALL_REDIRECT_URL', env.SHOPIFY_POST_INSTALL_REDIRECT_URL.trim(), false);
  }
  return config;
}

/** The Admin API origin of one shop. */
export const shopOrigin = (config: Pick<ShopifyConfig, 'apiOriginTemplate'>, shop: string): string => config.apiOriginTemplate.replaceAll('{shop}', shop);

export const tokenEndpoint = (config: Pick<ShopifyConfig, 'apiOriginTemplate'>, shop: string): string => `${shopOrigin(config, shop)}/admin/oauth/access_token`;

export const graphqlEndpoint = (config: Pick<ShopifyConfig, 'apiOriginTemplate' | 'apiVersion'>, shop: string): string =>
  `${shopOrigin(config, shop)}/admin/api/${config.apiVersion}/graphql.json`;

export const authorizeEndpoint = (config: Pick<ShopifyConfig, 'apiOriginTemplate'>, shop: string): string => `${shopOrigin(config, shop)}/admin/oauth/authorize`;

/** `write_x` implies `read_x` (Shopify often reports only the write scope). */
export function missingScopes(requested: string[], granted: string[]): string[] {
  const have = new Set(granted);
  for (const scope of granted) if (scope.startsWith('write_')) have.add(`read_${scope.slice('write_'.length)}`);
  return requested.filter((scope) => !have.has(scope));
}

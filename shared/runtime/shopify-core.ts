/**
 * The light part of the Shopify composition root — configuration, app credentials, OAuth states — so the
 * install function bundles neither Kafka nor the GraphQL client. shared/runtime/shopify.ts builds the rest.
 */
import { readShopifyConfig } from '../shopify/config';
import type { ShopifyApp } from '../shopify/oauth';
import { OAuthStateStore } from '../oauth/state-store';
import { ShopStateStore } from '../shopify/shop-state-store';
import { perEnvironment } from './per-environment';
import { secretResolver } from './secrets';
import { table } from './storage';

/** SHOPIFY_API_ORIGIN, SHOPIFY_API_VERSION, SHOPIFY_SCOPES, IONFLUX_PUBLIC_BASE_URL, SHOPIFY_POST_INSTALL_REDIRECT_URL. */
export const shopifyConfig = perEnvironment(() => readShopifyConfig(process.env));

/** The app's credentials from the platform secret `<root>/platform/shopify`. */
export async function shopifyApp(): Promise<ShopifyApp> {
  const credential = await secretResolver().platform('shopify');
  const previous = credential.get('previous_client_secret');
  return { clientId: credential.require('client_id'), clientSecret: credential.require('client_secret'), ...(previous ? { previousClientSecret: previous } : {}) };
}

export const oauthStates = perEnvironment(() => new OAuthStateStore(table('shopify-oauth-states')));

export const shopStateStore = perEnvironment(() => new ShopStateStore(table('shopify-shop-state')));

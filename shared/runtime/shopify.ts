/**
 * The Shopify integration of this execution environment: configuration (read from the environment here
 * and nowhere else), the token manager with its DynamoDB locks, per-shop cost budgets, clients, OAuth,
 * Sentinel actions and syncs. Built once per environment and reused by every invocation.
 */
import { config } from '../config/env';
import { CatalogSync } from '../shopify/catalog-sync';
import { ShopifyOAuth } from '../shopify/oauth';
import { OrderReconciliation } from '../shopify/reconciliation';
import { ScriptTagDeactivation } from '../shopify/script-tags';
import { ShopClients } from '../shopify/shop-clients';
import { ThemeRollback } from '../shopify/themes';
import { ThrottleBudgets } from '../shopify/throttle-budget';
import { ShopifyTokenEndpoint } from '../shopify/token-endpoint';
import { TokenLocks } from '../shopify/token-locks';
import { TokenManager } from '../shopify/token-manager';
import { ShopTokenStore } from '../shopify/token-store';
import { shopifyWebhookTopics } from '../webhooks/providers/shopify/topics';
import { connectionRegistry } from './connections';
import { eventPublisher } from './events';
import { perEnvironment } from './per-environment';
import { secretStore } from './secrets';
import { oauthStates, shopifyApp, shopifyConfig, shopStateStore } from './shopify-core';
import { table } from './storage';

/** Resolved at call time so `fetch` replacements (tests) and late globals are honoured. */
const fetchFn: typeof fetch = (input, init) => fetch(input, init);

export const shopTokenStore = perEnvironment(() => new ShopTokenStore(secretStore()));

export const shopifyTokenEndpoint = perEnvironment(() => new ShopifyTokenEndpoint({ config: shopifyConfig(), fetch: fetchFn }));

export const shopifyTokenManager = perEnvironment(
  () =>
    new TokenManager({
      tokens: shopTokenStore(),
      endpoint: shopifyTokenEndpoint(),
      locks: new TokenLocks(table('shopify-token-locks')),
      app: shopifyApp,
      connections: connectionRegistry(),
      publisher: eventPublisher(),
      source: config().serviceName,
    }),
);

export const shopifyBudgets = perEnvironment(() => new ThrottleBudgets());

export const shopClients = perEnvironment(
  () =>
    new ShopClients({
      config: shopifyConfig(),
      connections: connectionRegistry(),
      shopState: shopStateStore(),
      tokens: shopifyTokenManager(),
      fetch: fetchFn,
      budgets: shopifyBudgets(),
    }),
);

export const shopifyOAuth = perEnvironment(
  () =>
    new ShopifyOAuth({
      config: shopifyConfig(),
      app: shopifyApp,
      states: oauthStates(),
      endpoint: shopifyTokenEndpoint(),
      tokenStore: shopTokenStore(),
      tokenManager: shopifyTokenManager(),
      connections: connectionRegistry(),
      shopState: shopStateStore(),
      clients: shopClients(),
      publisher: eventPublisher(),
      secretRoot: config().secretRoot,
      webhookTopics: shopifyWebhookTopics,
    }),
);

export const themeRollback = perEnvironment(() => new ThemeRollback({ shopState: shopStateStore(), publisher: eventPublisher() }));

export const scriptTagDeactivation = perEnvironment(() => new ScriptTagDeactivation({ publisher: eventPublisher() }));

export const catalogSync = perEnvironment(() => new CatalogSync({ shopState: shopStateStore(), publisher: eventPublisher() }));

export const orderReconciliation = perEnvironment(() => new OrderReconciliation({ shopState: shopStateStore(), publisher: eventPublisher() }));

export { fetchFn as shopifyFetch, shopifyApp, shopifyConfig, shopStateStore };

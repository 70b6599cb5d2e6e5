/**
 * The Shopify integration of this execution environment: configuration (read from the environment here
 * and nowhere else), the token manager with its DynamoDB locks, per-shop cost budgets, clients, OAuth,
 * Sentinel actions. Built once per environment and reused by every invocation. Their events (app
 * installed, a token revoked, a theme rolled back, script tags deleted) are few and small: they go
 * through the outbox, so these functions need no Kafka connection, no VPC and no NAT gateway for their
 * Admin API traffic. The syncs, which publish in volume and in order, are in shopify-syncs.ts.
 */
import { config } from '../config/env';
import { ShopifyOAuth } from '../shopify/oauth';
import { ScriptTagDeactivation } from '../shopify/script-tags';
import { ShopClients } from '../shopify/shop-clients';
import { ThemeRollback } from '../shopify/themes';
import { ThrottleBudgets } from '../shopify/throttle-budget';
import { ShopifyTokenEndpoint } from '../shopify/token-endpoint';
import { TokenLocks } from '../shopify/token-locks';
import { ShopTokenMigration } from '../shopify/token-migration';
import { TokenManager } from '../shopify/token-manager';
import { ShopTokenStore } from '../shopify/token-store';
import { shopifyWebhookTopics } from '../webhooks/providers/shopify/topics';
import { connectionRegistry } from './connections';
import { outboxPublisher } from './outbox';
import { perEnvironment } from './per-environment';
import { secretStore } from './secrets';
import { oauthStates, shopifyApp, shopifyConfig, shopStateStore } from './shopify-core';
import { table } from './storage';

/** Resolved at call time so `fetch` replacements (tests) and late globals are honoured. */
const fetchFn: typeof fetch = (input, init) => fetch(input, init);

export const shopTokenStore = perEnvironment(() => new ShopTokenStore(secretStore()));

export const shopifyTokenEndpoint = perEnvironment(() => new ShopifyTokenEndpoint({ config: shopifyConfig(), fetch: fetchFn }));

export const shopifyTokenLocks = perEnvironment(() => new TokenLocks(table('shopify-token-locks')));

export const shopifyTokenManager = perEnvironment(
  () =>
    new TokenManager({
      tokens: shopTokenStore(),
      endpoint: shopifyTokenEndpoint(),
      locks: shopifyTokenLocks(),
      app: shopifyApp,
      connections: connectionRegistry(),
      publisher: outboxPublisher(),
      source: config().serviceName,
    }),
);

export const shopifyBudgets = perEnvironment(() => new ThrottleBudgets());

/** `ionflux shopify migrate-tokens`: shop tokens from their first home to `<root>/connections/shopify/`. */
export const shopTokenMigration = perEnvironment(
  () => new ShopTokenMigration({ store: secretStore(), connections: connectionRegistry(), locks: shopifyTokenLocks(), secretRoot: config().secretRoot }),
);

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
      publisher: outboxPublisher(),
      secretRoot: config().secretRoot,
      webhookTopics: shopifyWebhookTopics,
    }),
);

export const themeRollback = perEnvironment(() => new ThemeRollback({ shopState: shopStateStore(), publisher: outboxPublisher() }));

export const scriptTagDeactivation = perEnvironment(() => new ScriptTagDeactivation({ publisher: outboxPublisher() }));

export { fetchFn as shopifyFetch, shopifyApp, shopifyConfig, shopStateStore };

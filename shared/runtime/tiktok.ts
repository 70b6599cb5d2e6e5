/**
 * The TikTok integration of this execution environment: the token endpoint, the token manager with its
 * DynamoDB locks, the client token cache, the API client with its pacing and the Research API's daily
 * quota, accounts, research, tracked hashtags, OAuth. Built once per environment and reused by every
 * invocation. Their events (an account connected, a connection revoked, a trend snapshot) are few: they go
 * through the outbox, so these functions need no Kafka connection and no VPC.
 */
import { config } from '../config/env';
import { TokenLocks } from '../oauth/token-locks';
import { OAuthTokenStore } from '../oauth/token-store';
import { TikTokAccounts } from '../tiktok/accounts';
import { ClientTokenCache } from '../tiktok/client-token';
import { TikTokClient } from '../tiktok/client';
import type { DisconnectDeps } from '../tiktok/disconnect';
import { TikTokOAuth } from '../tiktok/oauth';
import { MinuteWindowPacer, ResearchQuota } from '../tiktok/rate-limits';
import { TikTokResearch } from '../tiktok/research';
import { TikTokTokenEndpoint, type TikTokTokens } from '../tiktok/token-endpoint';
import { createTikTokTokenManager } from '../tiktok/tokens';
import { connectionRegistry } from './connections';
import { outboxPublisher } from './outbox';
import { perEnvironment } from './per-environment';
import { secretStore } from './secrets';
import { tiktokApp, tiktokConfig, tiktokOAuthStates, trackedHashtags } from './tiktok-core';
import { table } from './storage';

/** Resolved at call time so `fetch` replacements (tests) and late globals are honoured. */
const fetchFn: typeof fetch = (input, init) => fetch(input, init);

export const tiktokTokenStore = perEnvironment(() => new OAuthTokenStore<TikTokTokens>(secretStore()));

export const tiktokTokenEndpoint = perEnvironment(() => new TikTokTokenEndpoint({ fetch: fetchFn }));

export const tiktokTokenManager = perEnvironment(() =>
  createTikTokTokenManager({
    tokens: tiktokTokenStore(),
    endpoint: tiktokTokenEndpoint(),
    locks: new TokenLocks(table('tiktok-token-locks')),
    app: tiktokApp,
    connections: connectionRegistry(),
    publisher: outboxPublisher(),
    source: config().serviceName,
  }),
);

export const tiktokClientTokens = perEnvironment(() => new ClientTokenCache({ endpoint: tiktokTokenEndpoint(), app: tiktokApp }));

export const researchQuota = perEnvironment(() => new ResearchQuota(table('tiktok-state'), tiktokConfig().researchDailyRequests));

export const tiktokClient = perEnvironment(() => new TikTokClient({ app: tiktokApp, fetch: fetchFn, pacer: new MinuteWindowPacer(), quota: researchQuota() }));

export const tiktokAccounts = perEnvironment(() => new TikTokAccounts({ connections: connectionRegistry(), tokens: tiktokTokenManager() }));

export const tiktokResearch = perEnvironment(() => new TikTokResearch({ client: tiktokClient(), tokens: tiktokClientTokens() }));

export const tiktokOAuth = perEnvironment(
  () =>
    new TikTokOAuth({
      app: tiktokApp,
      states: tiktokOAuthStates(),
      endpoint: tiktokTokenEndpoint(),
      tokenStore: tiktokTokenStore(),
      tokenManager: tiktokTokenManager(),
      connections: connectionRegistry(),
      client: tiktokClient(),
      publisher: outboxPublisher(),
      secretRoot: config().secretRoot,
      source: config().serviceName,
    }),
);

/** What disconnecting an account needs (shared/tiktok/disconnect.ts). */
export const tiktokDisconnectDeps = (): DisconnectDeps => ({
  app: tiktokApp,
  connections: connectionRegistry(),
  tokens: tiktokTokenManager(),
  tokenStore: tiktokTokenStore(),
  secrets: secretStore(),
  endpoint: tiktokTokenEndpoint(),
  publisher: outboxPublisher(),
  source: config().serviceName,
});

export { fetchFn as tiktokFetch, tiktokApp, tiktokConfig, trackedHashtags };

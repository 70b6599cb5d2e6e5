/**
 * Access tokens for calls to a shop, kept fresh. Expiring offline tokens live one hour and come with a
 * refresh token that rotates on every use, so a refresh must happen once, not once per concurrent Lambda:
 *
 * - refresh 15 minutes before expiry, and when Shopify answers 401;
 * - in process: one refresh in flight per shop (single flight);
 * - across processes: a lease lock in DynamoDB; whoever takes it re-reads the secret first (someone may
 *   just have refreshed), the others wait and re-read until the new token appears;
 * - after a failed refresh, a cooldown: callers keep using the current token while it is still valid,
 *   and get 503 with Retry-After when it is not;
 * - a refresh Shopify refuses (revoked, expired, uninstalled) marks the connection `revoked` and
 *   publishes `shopify.connection.revoked`.
 */
import { createHash } from 'node:crypto';
import type { ConnectionRegistry } from '../connections/connection-registry';
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { ShopifyAccessRevokedError, ShopifyTokenError, ShopifyTokenUnavailableError, ShopNotConnectedError } from './errors';
import { type Publisher, publishShopifyEvents } from './events';
import { type AppCredentials, type ShopifyTokenEndpoint, TokenGrantRejectedError } from './token-endpoint';
import type { TokenLocks } from './token-locks';
import type { ShopTokenStore, StoredShopTokens } from './token-store';

const log = moduleLogger('shopify');

/** Which shop, for which workspace, with its tokens under which secret. */
export interface ShopAccess {
  shop: string;
  workspaceId: string;
  secretName: string;
}

export interface TokenManagerOptions {
  tokens: ShopTokenStore;
  endpoint: Pick<ShopifyTokenEndpoint, 'refresh'>;
  locks: TokenLocks;
  app: () => Promise<AppCredentials>;
  connections: Pick<ConnectionRegistry, 'setStatus'>;
  publisher: Publisher;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Refresh this long before expiry (default 15 min). */
  refreshMarginMs?: number;
  /** Lease of the refresh lock (default 20 s; a crashed holder blocks no longer). */
  lockLeaseMs?: number;
  /** No refresh attempt for this long after a failed one (default 30 s). */
  cooldownMs?: number;
  /** Re-read interval while another function refreshes (default 200 ms). */
  waitStepMs?: number;
  /** Longest wait for another function's refresh (default 10 s, and never past the deadline). */
  maxWaitMs?: number;
  source?: string;
}

/** A token with less than this left is not handed out even during a cooldown. */
const MIN_USABLE_MS = 5_000;

export class TokenManager {
  private readonly cache = new Map<string, StoredShopTokens>();
  private readonly inflight = new Map<string, Promise<StoredShopTokens>>();

  constructor(private readonly options: TokenManagerOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private get margin(): number {
    return this.options.refreshMarginMs ?? 15 * 60_000;
  }

  private needsRefresh(tokens: StoredShopTokens): boolean {
    return tokens.expires_at !== undefined && tokens.expires_at - this.margin <= this.now();
  }

  private usable(tokens: StoredShopTokens): boolean {
    return tokens.expires_at === undefined || tokens.expires_at - MIN_USABLE_MS > this.now();
  }

  private async read(access: ShopAccess): Promise<StoredShopTokens> {
    const tokens = await this.options.tokens.read(access.secretName);
    if (!tokens) {
      throw new ShopNotConnectedError(`no Shopify tokens are stored for ${access.shop}; connect the store through /oauth/shopify/install`, {
        status: 409,
        details: { shop: access.shop, workspace_id: access.workspaceId },
      });
    }
    this.cache.set(access.secretName, tokens);
    return tokens;
  }

  /** A valid access token for the shop, refreshed first when it is within the margin of expiry. */
  async accessToken(access: ShopAccess, options: { deadline: number }): Promise<string> {
    const tokens = this.cache.get(access.secretName) ?? (await this.read(access));
    if (!this.needsRefresh(tokens)) return tokens.access_token;
    return (await this.refreshOnce(access, tokens.access_token, false, options.deadline)).access_token;
  }

  /** Shopify answered 401 to `rejected`: a newer token if someone refreshed, else a forced refresh. */
  async rejected(access: ShopAccess, rejected: string, options: { deadline: number }): Promise<string> {
    this.cache.delete(access.secretName);
    return (await this.refreshOnce(access, rejected, true, options.deadline)).access_token;
  }

  /** Tokens just written (the install): used as they are, without waiting for the store to show them. */
  remember(secretName: string, tokens: StoredShopTokens): void {
    this.cache.set(secretName, tokens);
  }

  /** Forget cached tokens (tests, or after a reinstall). */
  forget(secretName?: string): void {
    if (secretName) this.cache.delete(secretName);
    else this.cache.clear();
  }

  private refreshOnce(access: ShopAccess, stale: string, force: boolean, deadline: number): Promise<StoredShopTokens> {
    const running = this.inflight.get(access.secretName);
    if (running) return running;
    const work = this.refreshWithLock(access, stale, force, deadline).finally(() => this.inflight.delete(access.secretName));
    this.inflight.set(access.secretName, work);
    return work;
  }

  private async refreshWithLock(access: ShopAccess, stale: string, force: boolean, deadline: number): Promise<StoredShopTokens> {
    const { locks } = this.options;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const step = this.options.waitStepMs ?? 200;
    const waitUntil = Math.min(deadline, this.now() + (this.options.maxWaitMs ?? 10_000));
    for (;;) {
      const current = await this.read(access);
      // Someone else refreshed (or nothing to do).
      if (current.access_token !== stale && !this.needsRefresh(current)) return current;
      if (!force && !this.needsRefresh(current)) return current;

      const cooldown = await locks.cooldown(access.shop);
      if (cooldown) {
        if (!force && this.usable(current)) return current;
        throw new ShopifyTokenUnavailableError(access.shop, `token refresh cooling down after a failure (${cooldown.reason})`, (cooldown.untilMs - this.now()) / 1000);
      }

      const owner = await locks.acquire(access.shop, this.options.lockLeaseMs ?? 20_000);
      let outcome: StoredShopTokens | 'stale' | undefined;
      if (owner) {
        try {
          outcome = await this.refreshHoldingLock(access, stale, force, deadline);
        } finally {
          await locks.release(access.shop, owner).catch((error: unknown) => log.warn('could not release the token lock', { shop: access.shop, error: errorMessage(error) }));
        }
        if (outcome !== 'stale') return outcome;
      }

      // Another function is refreshing (or has just written a token we cannot read yet): wait for it.
      if (this.now() + step > waitUntil) {
        if (!force && this.usable(current)) return current;
        throw new ShopifyTokenUnavailableError(access.shop, outcome === 'stale' ? 'the refreshed token is not readable yet' : 'another function is refreshing the token', 2);
      }
      await sleep(step);
    }
  }

  /** Refreshes, or answers `stale` when the secret we read still holds a refresh token already spent. */
  private async refreshHoldingLock(access: ShopAccess, stale: string, force: boolean, deadline: number): Promise<StoredShopTokens | 'stale'> {
    // Re-read after taking the lock: the previous holder may have finished just now.
    const current = await this.read(access);
    if (current.access_token !== stale && !this.needsRefresh(current)) return current;
    if (!force && !this.needsRefresh(current)) return current;

    if (!current.refresh_token) {
      // A legacy non-expiring token that Shopify rejects will never work again.
      await this.revoke(access, 'access token rejected and no refresh token to renew it', current, deadline);
      throw new ShopifyAccessRevokedError(access.shop, 'access token rejected');
    }
    if (current.refresh_token_expires_at !== undefined && current.refresh_token_expires_at <= this.now()) {
      await this.revoke(access, 'refresh token expired', current, deadline);
      throw new ShopifyAccessRevokedError(access.shop, 'refresh token expired');
    }

    const fingerprint = createHash('sha256').update(current.refresh_token).digest('hex');
    if (await this.options.locks.wasSpent(access.shop, fingerprint)) return 'stale';
    const app: AppCredentials = await this.options.app();
    let next;
    try {
      next = await this.options.endpoint.refresh(access.shop, current.refresh_token, app, deadline);
    } catch (error) {
      if (error instanceof TokenGrantRejectedError && !error.isClientProblem) {
        await this.revoke(access, `refresh refused by Shopify (HTTP ${error.httpStatus}${error.oauthError ? ` ${error.oauthError}` : ''})`, current, deadline);
        throw new ShopifyAccessRevokedError(access.shop, 'refresh refused');
      }
      const reason = errorMessage(error);
      await this.options.locks.startCooldown(access.shop, this.options.cooldownMs ?? 30_000, reason);
      log.warn('shopify token refresh failed; cooling down', { shop: access.shop, error: reason });
      if (!force && this.usable(current)) return current;
      if (error instanceof ShopifyTokenError) throw error;
      throw new ShopifyTokenUnavailableError(access.shop, reason, (this.options.cooldownMs ?? 30_000) / 1000);
    }
    // Shopify keeps the previous refresh token valid until the new one is first used, so a failed write
    // here is recoverable: the next refresh spends the old one again.
    const stored = await this.options.tokens.write(access.secretName, next, { shop: access.shop, workspaceId: access.workspaceId });
    this.cache.set(access.secretName, stored);
    await this.options.locks
      .recordSpent(access.shop, fingerprint)
      .catch((error: unknown) => log.warn('could not record the spent refresh token', { shop: access.shop, error: errorMessage(error) }));
    log.info('shopify access token refreshed', { shop: access.shop, workspace_id: access.workspaceId, expires_at: stored.expires_at ? new Date(stored.expires_at).toISOString() : null });
    return stored;
  }

  private async revoke(access: ShopAccess, reason: string, tokens: StoredShopTokens, deadline: number): Promise<void> {
    log.warn('shopify access revoked', { shop: access.shop, workspace_id: access.workspaceId, reason });
    this.cache.delete(access.secretName);
    await this.options.connections.setStatus('shopify', access.shop, 'revoked', reason);
    await publishShopifyEvents(
      this.options.publisher,
      [
        {
          workspaceId: access.workspaceId,
          topic: 'connection/revoked',
          idParts: [access.shop, 'connection/revoked', String(tokens.obtained_at)],
          source: this.options.source ?? 'shopify-integration',
          key: access.shop,
          payload: { shop_domain: access.shop, reason, revoked_at: new Date(this.now()).toISOString(), action_required: 'reinstall' },
        },
      ],
      deadline,
    );
  }
}

/**
 * Access tokens for calls to a shop, kept fresh. Expiring offline tokens live one hour and come with a
 * refresh token that rotates on every use, so a refresh must happen once, not once per concurrent Lambda:
 *
 * - refresh 15 minutes before expiry, and when Shopify answers 401;
 * - in process: one refresh in flight per shop (single flight);
 * - across processes: a lease lock in DynamoDB (60 s, four times the 15 s token request timeout); whoever
 *   takes it re-reads the secret first (someone may just have refreshed), the others wait and re-read
 *   until the new token appears;
 * - a refresh token is claimed before it is sent to Shopify: one transaction renews the holder's lease
 *   (only if the lock is still its own — a holder that stalled past its lease gives up there) and marks
 *   the token `spending`. Nobody spends a token marked spending or spent; they wait and re-read;
 * - the rotated tokens are written with retries (the successor exists nowhere else);
 * - after a failed refresh, a cooldown: callers keep using the current token while it is still valid,
 *   and get 503 with Retry-After when it is not. A frozen or locked shop (402/423), an edge 403/404 or an
 *   `invalid_request` is such a failure, never a revocation;
 * - only `invalid_grant` (the refresh token is dead) revokes, and only after re-reading: if the stored
 *   refresh token changed, another function rotated it and its tokens are used. The connection becomes
 *   `revoked` (and `shopify.connection.revoked` is published) only if it is still the install whose
 *   token failed: a reinstall in between is left alone.
 */
import type { Connection, ConnectionRegistry } from '../connections/connection-registry';
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { outsideDeadline } from '../timing';
import { ShopifyAccessRevokedError, ShopifyTokenError, ShopifyTokenUnavailableError, ShopNotConnectedError } from './errors';
import { type Publisher, publishShopifyEvents } from './events';
import { type AppCredentials, type ShopifyTokenEndpoint, type ShopTokens, TOKEN_REQUEST_TIMEOUT_MS, TokenGrantRejectedError } from './token-endpoint';
import { refreshTokenFingerprint, type TokenLocks } from './token-locks';
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
  connections: Pick<ConnectionRegistry, 'get' | 'setStatusIf'>;
  publisher: Publisher;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Refresh this long before expiry (default 15 min). */
  refreshMarginMs?: number;
  /** Lease of the refresh lock (default 60 s: the 15 s token request and the secret write fit in it many times over; a crashed holder blocks no longer). */
  lockLeaseMs?: number;
  /** Attempts to store rotated tokens (default 4), backing off from `writeRetryBaseMs` (default 250 ms). */
  writeAttempts?: number;
  writeRetryBaseMs?: number;
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

export const DEFAULT_LOCK_LEASE_MS = 4 * TOKEN_REQUEST_TIMEOUT_MS;

export class TokenManager {
  private readonly cache = new Map<string, StoredShopTokens>();
  private readonly inflight = new Map<string, Promise<StoredShopTokens>>();

  constructor(private readonly options: TokenManagerOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private get leaseMs(): number {
    return this.options.lockLeaseMs ?? DEFAULT_LOCK_LEASE_MS;
  }

  private sleep(ms: number): Promise<void> {
    return (this.options.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t))))(ms);
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

      const lease = await locks.acquire(access.shop, this.leaseMs);
      let outcome: StoredShopTokens | 'stale' | undefined;
      if (lease) {
        try {
          outcome = await this.refreshHoldingLock(access, stale, force, deadline, lease.owner);
        } finally {
          await locks.release(access.shop, lease.owner).catch((error: unknown) => log.warn('could not release the token lock', { shop: access.shop, error: errorMessage(error) }));
        }
        if (outcome !== 'stale') return outcome;
      }

      // Another function is refreshing (or has just written a token we cannot read yet): wait for it.
      if (this.now() + step > waitUntil) {
        // Out of waiting time: one last look, in case the other function has finished meanwhile.
        const latest = await this.read(access);
        if (latest.access_token !== stale && !this.needsRefresh(latest)) return latest;
        if (!force && this.usable(latest)) return latest;
        throw new ShopifyTokenUnavailableError(access.shop, outcome === 'stale' ? 'the refreshed token is not readable yet' : 'another function is refreshing the token', 2);
      }
      await this.sleep(step);
    }
  }

  /**
   * Refreshes while holding the lock. Answers `stale` when this holder must not spend the refresh token it
   * read (spent or being spent by someone else, the lock taken over) or when another function's tokens
   * should be re-read: the caller waits a step and re-reads.
   */
  private async refreshHoldingLock(access: ShopAccess, stale: string, force: boolean, deadline: number, owner: string): Promise<StoredShopTokens | 'stale'> {
    const { locks } = this.options;
    // The install this refresh is for, read before its tokens: a revocation decided below applies to it only.
    const install = await this.options.connections.get('shopify', access.shop);
    // Re-read after taking the lock: the previous holder may have finished just now.
    const current = await this.read(access);
    if (current.access_token !== stale && !this.needsRefresh(current)) return current;
    if (!force && !this.needsRefresh(current)) return current;

    if (!current.refresh_token) {
      // A legacy non-expiring token that Shopify rejects will never work again.
      return this.revoke(access, install, 'access token rejected and no refresh token to renew it', current, deadline);
    }
    if (current.refresh_token_expires_at !== undefined && current.refresh_token_expires_at <= this.now()) {
      return this.revoke(access, install, 'refresh token expired', current, deadline);
    }

    // Spending a refresh token is never cut short (the rotated successor would be lost): a refresh that can
    // wait — the token still works — waits for a call with the time a token request may take.
    if (!force && this.usable(current) && deadline - this.now() < TOKEN_REQUEST_TIMEOUT_MS) return current;
    const fingerprint = refreshTokenFingerprint(current.refresh_token);
    const known = await locks.spendState(access.shop, fingerprint);
    // Spent: our read is stale (the successor is written or propagating). Spending: a live holder is at it.
    if (known?.state === 'spent' || known?.state === 'spending') return 'stale';
    if (known?.state === 'abandoned') log.warn('a previous refresh of this shop never finished; trying its refresh token again', { shop: access.shop });
    const app: AppCredentials = await this.options.app();
    // From the claim on, the AWS calls are not cut short by the request's deadline scope either: a claim,
    // a spend and the successor's write that stopped half-way would lose the shop's token. They are bounded
    // by the clients' own attempt timeouts (shared/aws/client-config.ts).
    const spendable = { ...current, refresh_token: current.refresh_token };
    return outsideDeadline(() => this.spend(access, install, spendable, force, owner, fingerprint, app, deadline));
  }

  private async spend(
    access: ShopAccess,
    install: Connection | undefined,
    current: StoredShopTokens & { refresh_token: string },
    force: boolean,
    owner: string,
    fingerprint: string,
    app: AppCredentials,
    deadline: number,
  ): Promise<StoredShopTokens | 'stale'> {
    const { locks } = this.options;
    // Claim the token right before spending it. This renews our lease only if the lock is still ours (a
    // holder that stalled past its lease gives up here and re-reads) and marks the token as being spent.
    const claim = await locks.beginSpend(access.shop, owner, fingerprint, this.leaseMs);
    if (!claim) {
      log.info('shopify refresh lock or refresh token taken over by another function; re-reading', { shop: access.shop });
      return 'stale';
    }
    let next: ShopTokens;
    try {
      next = await this.options.endpoint.refresh(access.shop, current.refresh_token, app);
    } catch (error) {
      if (error instanceof TokenGrantRejectedError && error.isGrantDead) return this.grantDead(access, install, current, owner, fingerprint, error, deadline);
      // Shopify answered without rotating (or not at all): the token was not spent.
      await locks.abortSpend(access.shop, owner, fingerprint).catch((e: unknown) => log.warn('could not clear the spending mark', { shop: access.shop, error: errorMessage(e) }));
      const reason = errorMessage(error);
      const cooldownMs = this.options.cooldownMs ?? 30_000;
      await locks.startCooldown(access.shop, cooldownMs, reason);
      log.warn('shopify token refresh failed; cooling down', {
        shop: access.shop,
        error: reason,
        ...(error instanceof TokenGrantRejectedError ? { http_status: error.httpStatus, oauth_error: error.oauthError || null, shop_unavailable: error.isShopUnavailable } : {}),
      });
      if (!force && this.usable(current)) return current;
      if (error instanceof ShopifyTokenError) throw error;
      throw new ShopifyTokenUnavailableError(access.shop, reason, cooldownMs / 1000);
    }
    return this.storeRotated(access, next, owner, fingerprint);
  }

  /**
   * Shopify rotated the refresh token: the successor exists only in `next` until it is stored, so the write
   * is retried (renewing the lease and the spending mark in between). If it still fails, the tokens serve
   * this process from memory and the failure is logged loudly (never a token value).
   */
  private async storeRotated(access: ShopAccess, next: ShopTokens, owner: string, fingerprint: string): Promise<StoredShopTokens> {
    const { locks } = this.options;
    const attempts = Math.max(1, this.options.writeAttempts ?? 4);
    const base = this.options.writeRetryBaseMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.options.tokens.write(access.secretName, next, { shop: access.shop, workspaceId: access.workspaceId });
        this.cache.set(access.secretName, stored);
        await locks.finishSpend(access.shop, owner, fingerprint).catch((error: unknown) => log.warn('could not mark the spent refresh token', { shop: access.shop, error: errorMessage(error) }));
        log.info('shopify access token refreshed', {
          shop: access.shop,
          workspace_id: access.workspaceId,
          expires_at: stored.expires_at ? new Date(stored.expires_at).toISOString() : null,
          ...(attempt > 1 ? { write_attempts: attempt } : {}),
        });
        return stored;
      } catch (error) {
        if (attempt >= attempts) {
          log.error('SHOPIFY REFRESH TOKEN LOST: Shopify rotated the refresh token but the new tokens could not be stored; the shop will be revoked at its next refresh unless they are', {
            shop: access.shop,
            workspace_id: access.workspaceId,
            secret: access.secretName,
            attempts,
            error: errorMessage(error),
          });
          const inMemory: StoredShopTokens = { ...next, shop: access.shop, workspace_id: access.workspaceId, updated_at: new Date(this.now()).toISOString() };
          this.cache.set(access.secretName, inMemory);
          return inMemory;
        }
        log.warn('could not store the rotated shopify tokens; retrying', { shop: access.shop, attempt, error: errorMessage(error) });
        await locks.extendSpend(access.shop, owner, fingerprint, this.leaseMs).catch(() => false);
        await this.sleep(base * 2 ** (attempt - 1));
      }
    }
  }

  /**
   * Shopify says the refresh token we spent is dead. Before revoking, make sure it is not simply an old copy:
   * if the stored refresh token changed, another function rotated it (a lease that ran out, a lagging read, an
   * older deployment) and its tokens are the ones to use.
   */
  private async grantDead(
    access: ShopAccess,
    install: Connection | undefined,
    current: StoredShopTokens,
    owner: string,
    fingerprint: string,
    error: TokenGrantRejectedError,
    deadline: number,
  ): Promise<StoredShopTokens | 'stale'> {
    const { locks } = this.options;
    const latest = await this.options.tokens.read(access.secretName);
    if (latest && latest.refresh_token !== current.refresh_token) {
      log.warn('shopify refused a refresh token another function had already rotated; using its tokens', { shop: access.shop });
      this.cache.set(access.secretName, latest);
      return this.needsRefresh(latest) ? 'stale' : latest;
    }
    const mark = await locks.spendState(access.shop, fingerprint);
    if (mark && mark.owner !== owner) {
      // Someone else claimed this token after us: their successor is on its way.
      log.warn('shopify refused a refresh token another function is spending; waiting for its tokens', { shop: access.shop });
      return 'stale';
    }
    await locks.finishSpend(access.shop, owner, fingerprint).catch((e: unknown) => log.warn('could not mark the dead refresh token', { shop: access.shop, error: errorMessage(e) }));
    return this.revoke(access, install, `refresh refused by Shopify (HTTP ${error.httpStatus} ${error.oauthError})`, current, deadline);
  }

  /**
   * Marks the connection revoked and publishes `shopify.connection.revoked`, but only if the connection is
   * still the install `install` we read before its tokens. Answers `stale` (re-read the tokens) when the
   * store was installed again meanwhile; throws otherwise.
   */
  private async revoke(access: ShopAccess, install: Connection | undefined, reason: string, tokens: StoredShopTokens, deadline: number): Promise<'stale'> {
    this.cache.delete(access.secretName);
    const details = { shop: access.shop, workspace_id: access.workspaceId };
    if (!install || install.workspace_id !== access.workspaceId) {
      throw new ShopNotConnectedError(`${access.shop} is not connected to workspace ${access.workspaceId}`, { status: 409, details });
    }
    if (install.status === 'revoked') throw new ShopifyAccessRevokedError(access.shop, install.status_reason ?? reason, access.workspaceId);
    if (install.status !== 'active') {
      throw new ShopNotConnectedError(`${access.shop} is ${install.status} for workspace ${access.workspaceId}; connect it again through /oauth/shopify/install`, {
        status: 409,
        details: { ...details, status: install.status },
      });
    }
    const expected = { workspaceId: access.workspaceId, connectId: install.connect_id ?? null, status: 'active' as const };
    const revoked = await this.options.connections.setStatusIf('shopify', access.shop, 'revoked', reason, expected);
    if (!revoked) {
      const now = await this.options.connections.get('shopify', access.shop);
      if (now && now.workspace_id === access.workspaceId && (now.connect_id ?? null) === expected.connectId && now.status === 'revoked') {
        throw new ShopifyAccessRevokedError(access.shop, now.status_reason ?? reason, access.workspaceId); // another function got there first
      }
      log.warn('shopify access looked revoked, but the connection changed meanwhile (installed again?); not revoking it', { ...details, reason });
      return 'stale';
    }
    log.warn('shopify access revoked', { ...details, reason });
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
    throw new ShopifyAccessRevokedError(access.shop, reason, access.workspaceId);
  }
}

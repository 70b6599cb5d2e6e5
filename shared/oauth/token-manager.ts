/**
 * Access tokens of a connected account, kept fresh — the one refresh strategy of every OAuth provider
 * (Shopify's expiring offline tokens, TikTok's Login Kit tokens). Their refresh tokens rotate on every use,
 * so a refresh must happen once, not once per concurrent call or Lambda:
 *
 * - refresh `refreshMarginMs` before expiry, and when the provider answers 401;
 * - in process: one refresh in flight per account (single flight);
 * - across processes: a lease lock in DynamoDB (60 s, four times the 15 s token request timeout); whoever
 *   takes it re-reads the secret first (someone may just have refreshed), the others wait and re-read
 *   until the new token appears;
 * - a refresh token is claimed before it is sent: one transaction renews the holder's lease (only if the
 *   lock is still its own — a holder that stalled past its lease gives up there) and marks the token
 *   `spending`. Nobody spends a token marked spending or spent; they wait and re-read;
 * - the token request is never cut short by the caller's deadline (token-request.ts), nor are the claim and
 *   the successor's write by the request's deadline scope (outsideDeadline), and a refresh that can wait
 *   (the token still works) is not started by a caller with less time left than it may take;
 * - the rotated tokens are written with retries (the successor exists nowhere else);
 * - after a failed refresh, a cooldown: callers keep using the current token while it is still valid,
 *   and get 503 with Retry-After when it is not. Any refusal but `invalid_grant` is such a failure, never
 *   a revocation;
 * - only `invalid_grant` (the refresh token is dead) revokes, and only after re-reading: if the stored
 *   refresh token changed, another function rotated it and its tokens are used. The connection becomes
 *   `revoked` (and `<provider>.connection.revoked` is published) only if it is still the connection whose
 *   token failed: a reconnection in between is left alone.
 *
 * What differs per provider — how a refresh is requested, its errors and the event it publishes — comes in
 * a `TokenManagerBinding`.
 */
import type { ConnectionProvider } from '../connections/account-ids';
import type { Connection, ConnectionRegistry, ConnectionStatus } from '../connections/connection-registry';
import { errorMessage, IonfluxError } from '../errors';
import { moduleLogger } from '../observability/logger';
import { outsideDeadline } from '../timing';
import { OAuthGrantRejectedError } from './errors';
import { refreshTokenFingerprint, type TokenLocks } from './token-locks';
import { type OAuthTokens, TOKEN_REQUEST_TIMEOUT_MS } from './token-request';
import type { StoredTokens } from './token-store';

/** Which account, for which workspace, with its tokens under which secret. */
export interface TokenAccess {
  account: string;
  workspaceId: string;
  secretName: string;
}

/** Where the manager reads and writes an account's tokens. */
export interface TokenVault<T extends OAuthTokens> {
  read(secretName: string): Promise<StoredTokens<T> | undefined>;
  write(access: TokenAccess, tokens: T): Promise<StoredTokens<T>>;
}

/** What is particular to one provider. */
export interface TokenManagerBinding<T extends OAuthTokens, C> {
  provider: ConnectionProvider;
  /** The provider's name in messages: `Shopify`, `TikTok`. */
  label: string;
  /** Spends `refreshToken` with the app credentials `app` (read before the token is claimed). */
  refresh(access: TokenAccess, refreshToken: string, app: C): Promise<T>;
  errors: {
    /** No tokens stored for the account. */
    noTokens(access: TokenAccess): Error;
    /** Not connected to this workspace (`status` undefined), or connected but inactive. */
    notConnected(access: TokenAccess, status?: ConnectionStatus): Error;
    /** Access revoked (refresh token dead, or a non-refreshable token rejected). */
    revoked(access: TokenAccess, reason: string): Error;
    /** No valid token right now (cooling down, another function refreshing): 503 with Retry-After. */
    unavailable(access: TokenAccess, reason: string, retryAfterS: number): Error;
  };
  /** Publishes `<provider>.connection.revoked` for the connection just marked revoked. */
  publishRevoked(access: TokenAccess, reason: string, tokens: StoredTokens<T>, deadline: number): Promise<void>;
}

export interface OAuthTokenManagerOptions<T extends OAuthTokens, C> {
  binding: TokenManagerBinding<T, C>;
  tokens: TokenVault<T>;
  locks: TokenLocks;
  app: () => Promise<C>;
  connections: Pick<ConnectionRegistry, 'get' | 'setStatusIf'>;
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
}

/** A token with less than this left is not handed out even during a cooldown. */
const MIN_USABLE_MS = 5_000;

export const DEFAULT_LOCK_LEASE_MS = 4 * TOKEN_REQUEST_TIMEOUT_MS;

export class OAuthTokenManager<T extends OAuthTokens, C> {
  private readonly cache = new Map<string, StoredTokens<T>>();
  private readonly inflight = new Map<string, Promise<StoredTokens<T>>>();
  private readonly log;

  constructor(private readonly options: OAuthTokenManagerOptions<T, C>) {
    this.log = moduleLogger(options.binding.provider);
  }

  private get provider(): ConnectionProvider {
    return this.options.binding.provider;
  }

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

  private needsRefresh(tokens: StoredTokens<T>): boolean {
    return tokens.expires_at !== undefined && tokens.expires_at - this.margin <= this.now();
  }

  private usable(tokens: StoredTokens<T>): boolean {
    return tokens.expires_at === undefined || tokens.expires_at - MIN_USABLE_MS > this.now();
  }

  private async read(access: TokenAccess): Promise<StoredTokens<T>> {
    const tokens = await this.options.tokens.read(access.secretName);
    if (!tokens) throw this.options.binding.errors.noTokens(access);
    this.cache.set(access.secretName, tokens);
    return tokens;
  }

  /** A valid access token for the account, refreshed first when it is within the margin of expiry. */
  async accessToken(access: TokenAccess, options: { deadline: number }): Promise<string> {
    const tokens = this.cache.get(access.secretName) ?? (await this.read(access));
    if (!this.needsRefresh(tokens)) return tokens.access_token;
    return (await this.refreshOnce(access, tokens.access_token, false, options.deadline)).access_token;
  }

  /** The provider answered 401 to `rejected`: a newer token if someone refreshed, else a forced refresh. */
  async rejected(access: TokenAccess, rejected: string, options: { deadline: number }): Promise<string> {
    this.cache.delete(access.secretName);
    return (await this.refreshOnce(access, rejected, true, options.deadline)).access_token;
  }

  /** Tokens just written (a connection): used as they are, without waiting for the store to show them. */
  remember(secretName: string, tokens: StoredTokens<T>): void {
    this.cache.set(secretName, tokens);
  }

  /** Forget cached tokens (tests, or after a reconnection). */
  forget(secretName?: string): void {
    if (secretName) this.cache.delete(secretName);
    else this.cache.clear();
  }

  private refreshOnce(access: TokenAccess, stale: string, force: boolean, deadline: number): Promise<StoredTokens<T>> {
    const running = this.inflight.get(access.secretName);
    if (running) return running;
    const work = this.refreshWithLock(access, stale, force, deadline).finally(() => this.inflight.delete(access.secretName));
    this.inflight.set(access.secretName, work);
    return work;
  }

  private async refreshWithLock(access: TokenAccess, stale: string, force: boolean, deadline: number): Promise<StoredTokens<T>> {
    const { locks, binding } = this.options;
    const step = this.options.waitStepMs ?? 200;
    const waitUntil = Math.min(deadline, this.now() + (this.options.maxWaitMs ?? 10_000));
    for (;;) {
      const current = await this.read(access);
      // Someone else refreshed (or nothing to do).
      if (current.access_token !== stale && !this.needsRefresh(current)) return current;
      if (!force && !this.needsRefresh(current)) return current;

      const cooldown = await locks.cooldown(access.account);
      if (cooldown) {
        if (!force && this.usable(current)) return current;
        throw binding.errors.unavailable(access, `token refresh cooling down after a failure (${cooldown.reason})`, (cooldown.untilMs - this.now()) / 1000);
      }

      const lease = await locks.acquire(access.account, this.leaseMs);
      let outcome: StoredTokens<T> | 'stale' | undefined;
      if (lease) {
        try {
          outcome = await this.refreshHoldingLock(access, stale, force, deadline, lease.owner);
        } finally {
          await locks.release(access.account, lease.owner).catch((error: unknown) => this.log.warn('could not release the token lock', { account: access.account, error: errorMessage(error) }));
        }
        if (outcome !== 'stale') return outcome;
      }

      // Another function is refreshing (or has just written a token we cannot read yet): wait for it.
      if (this.now() + step > waitUntil) {
        // Out of waiting time: one last look, in case the other function has finished meanwhile.
        const latest = await this.read(access);
        if (latest.access_token !== stale && !this.needsRefresh(latest)) return latest;
        if (!force && this.usable(latest)) return latest;
        throw binding.errors.unavailable(access, outcome === 'stale' ? 'the refreshed token is not readable yet' : 'another function is refreshing the token', 2);
      }
      await this.sleep(step);
    }
  }

  /**
   * Refreshes while holding the lock. Answers `stale` when this holder must not spend the refresh token it
   * read (spent or being spent by someone else, the lock taken over) or when another function's tokens
   * should be re-read: the caller waits a step and re-reads.
   */
  private async refreshHoldingLock(access: TokenAccess, stale: string, force: boolean, deadline: number, owner: string): Promise<StoredTokens<T> | 'stale'> {
    const { locks } = this.options;
    // The connection this refresh is for, read before its tokens: a revocation decided below applies to it only.
    const connection = await this.options.connections.get(this.provider, access.account);
    // Re-read after taking the lock: the previous holder may have finished just now.
    const current = await this.read(access);
    if (current.access_token !== stale && !this.needsRefresh(current)) return current;
    if (!force && !this.needsRefresh(current)) return current;

    if (!current.refresh_token) {
      // A non-expiring token that the provider rejects will never work again.
      return this.revoke(access, connection, 'access token rejected and no refresh token to renew it', current, deadline);
    }
    if (current.refresh_token_expires_at !== undefined && current.refresh_token_expires_at <= this.now()) {
      return this.revoke(access, connection, 'refresh token expired', current, deadline);
    }

    // Spending a refresh token is never cut short (the rotated successor would be lost): a refresh that can
    // wait — the token still works — waits for a call with the time a token request may take.
    if (!force && this.usable(current) && deadline - this.now() < TOKEN_REQUEST_TIMEOUT_MS) return current;
    const fingerprint = refreshTokenFingerprint(current.refresh_token);
    const known = await locks.spendState(access.account, fingerprint);
    // Spent: our read is stale (the successor is written or propagating). Spending: a live holder is at it.
    if (known?.state === 'spent' || known?.state === 'spending') return 'stale';
    if (known?.state === 'abandoned') this.log.warn('a previous refresh of this account never finished; trying its refresh token again', { account: access.account });
    const app = await this.options.app();
    // From the claim on, the AWS calls are not cut short by the request's deadline scope either: a claim,
    // a spend and the successor's write that stopped half-way would lose the account's token. They are
    // bounded by the clients' own attempt timeouts (shared/aws/client-config.ts).
    const spendable = { ...current, refresh_token: current.refresh_token };
    return outsideDeadline(() => this.spend(access, connection, spendable, force, owner, fingerprint, app, deadline));
  }

  private async spend(
    access: TokenAccess,
    connection: Connection | undefined,
    current: StoredTokens<T> & { refresh_token: string },
    force: boolean,
    owner: string,
    fingerprint: string,
    app: C,
    deadline: number,
  ): Promise<StoredTokens<T> | 'stale'> {
    const { locks, binding } = this.options;
    // Claim the token right before spending it. This renews our lease only if the lock is still ours (a
    // holder that stalled past its lease gives up here and re-reads) and marks the token as being spent.
    const claim = await locks.beginSpend(access.account, owner, fingerprint, this.leaseMs);
    if (!claim) {
      this.log.info(`${this.provider} refresh lock or refresh token taken over by another function; re-reading`, { account: access.account });
      return 'stale';
    }
    let next: T;
    try {
      next = await binding.refresh(access, current.refresh_token, app);
    } catch (error) {
      if (error instanceof OAuthGrantRejectedError && error.isGrantDead) return this.grantDead(access, connection, current, owner, fingerprint, error, deadline);
      // The provider answered without rotating (or not at all): the token was not spent.
      await locks.abortSpend(access.account, owner, fingerprint).catch((e: unknown) => this.log.warn('could not clear the spending mark', { account: access.account, error: errorMessage(e) }));
      const reason = errorMessage(error);
      const cooldownMs = this.options.cooldownMs ?? 30_000;
      await locks.startCooldown(access.account, cooldownMs, reason);
      this.log.warn(`${this.provider} token refresh failed; cooling down`, {
        account: access.account,
        error: reason,
        ...(error instanceof OAuthGrantRejectedError ? { http_status: error.httpStatus, oauth_error: error.oauthError || null, details: error.details ?? null } : {}),
      });
      if (!force && this.usable(current)) return current;
      if (error instanceof IonfluxError) throw error;
      throw binding.errors.unavailable(access, reason, cooldownMs / 1000);
    }
    return this.storeRotated(access, next, owner, fingerprint);
  }

  /**
   * The provider rotated the refresh token: the successor exists only in `next` until it is stored, so the
   * write is retried (renewing the lease and the spending mark in between). If it still fails, the tokens
   * serve this process from memory and the failure is logged loudly (never a token value).
   */
  private async storeRotated(access: TokenAccess, next: T, owner: string, fingerprint: string): Promise<StoredTokens<T>> {
    const { locks } = this.options;
    const attempts = Math.max(1, this.options.writeAttempts ?? 4);
    const base = this.options.writeRetryBaseMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.options.tokens.write(access, next);
        this.cache.set(access.secretName, stored);
        await locks.finishSpend(access.account, owner, fingerprint).catch((error: unknown) => this.log.warn('could not mark the spent refresh token', { account: access.account, error: errorMessage(error) }));
        this.log.info(`${this.provider} access token refreshed`, {
          account: access.account,
          workspace_id: access.workspaceId,
          expires_at: stored.expires_at ? new Date(stored.expires_at).toISOString() : null,
          ...(attempt > 1 ? { write_attempts: attempt } : {}),
        });
        return stored;
      } catch (error) {
        if (attempt >= attempts) {
          this.log.error(
            `${this.provider.toUpperCase()} REFRESH TOKEN LOST: ${this.options.binding.label} rotated the refresh token but the new tokens could not be stored; the account will be revoked at its next refresh unless they are`,
            { account: access.account, workspace_id: access.workspaceId, secret: access.secretName, attempts, error: errorMessage(error) },
          );
          const inMemory = { ...next, workspace_id: access.workspaceId, updated_at: new Date(this.now()).toISOString() } as StoredTokens<T>;
          this.cache.set(access.secretName, inMemory);
          return inMemory;
        }
        this.log.warn(`could not store the rotated ${this.provider} tokens; retrying`, { account: access.account, attempt, error: errorMessage(error) });
        await locks.extendSpend(access.account, owner, fingerprint, this.leaseMs).catch(() => false);
        await this.sleep(base * 2 ** (attempt - 1));
      }
    }
  }

  /**
   * The provider says the refresh token we spent is dead. Before revoking, make sure it is not simply an old
   * copy: if the stored refresh token changed, another function rotated it (a lease that ran out, a lagging
   * read, an older deployment) and its tokens are the ones to use.
   */
  private async grantDead(
    access: TokenAccess,
    connection: Connection | undefined,
    current: StoredTokens<T>,
    owner: string,
    fingerprint: string,
    error: OAuthGrantRejectedError,
    deadline: number,
  ): Promise<StoredTokens<T> | 'stale'> {
    const { locks } = this.options;
    const latest = await this.options.tokens.read(access.secretName);
    if (latest && latest.refresh_token !== current.refresh_token) {
      this.log.warn(`${this.provider} refused a refresh token another function had already rotated; using its tokens`, { account: access.account });
      this.cache.set(access.secretName, latest);
      return this.needsRefresh(latest) ? 'stale' : latest;
    }
    const mark = await locks.spendState(access.account, fingerprint);
    if (mark && mark.owner !== owner) {
      // Someone else claimed this token after us: their successor is on its way.
      this.log.warn(`${this.provider} refused a refresh token another function is spending; waiting for its tokens`, { account: access.account });
      return 'stale';
    }
    await locks.finishSpend(access.account, owner, fingerprint).catch((e: unknown) => this.log.warn('could not mark the dead refresh token', { account: access.account, error: errorMessage(e) }));
    return this.revoke(access, connection, `refresh refused by ${this.options.binding.label} (HTTP ${error.httpStatus} ${error.oauthError})`, current, deadline);
  }

  /**
   * Marks the connection revoked and publishes `<provider>.connection.revoked`, but only if the connection is
   * still the one `connection` we read before its tokens. Answers `stale` (re-read the tokens) when the
   * account was connected again meanwhile; throws otherwise.
   */
  private async revoke(access: TokenAccess, connection: Connection | undefined, reason: string, tokens: StoredTokens<T>, deadline: number): Promise<'stale'> {
    const { binding } = this.options;
    this.cache.delete(access.secretName);
    const details = { account: access.account, workspace_id: access.workspaceId };
    if (!connection || connection.workspace_id !== access.workspaceId) throw binding.errors.notConnected(access);
    if (connection.status === 'revoked') throw binding.errors.revoked(access, connection.status_reason ?? reason);
    if (connection.status !== 'active') throw binding.errors.notConnected(access, connection.status);
    const expected = { workspaceId: access.workspaceId, connectId: connection.connect_id ?? null, status: 'active' as const };
    const revoked = await this.options.connections.setStatusIf(this.provider, access.account, 'revoked', reason, expected);
    if (!revoked) {
      const now = await this.options.connections.get(this.provider, access.account);
      if (now && now.workspace_id === access.workspaceId && (now.connect_id ?? null) === expected.connectId && now.status === 'revoked') {
        throw binding.errors.revoked(access, now.status_reason ?? reason); // another function got there first
      }
      this.log.warn(`${this.provider} access looked revoked, but the connection changed meanwhile (connected again?); not revoking it`, { ...details, reason });
      return 'stale';
    }
    this.log.warn(`${this.provider} access revoked`, { ...details, reason });
    await binding.publishRevoked(access, reason, tokens, deadline);
    throw binding.errors.revoked(access, reason);
  }
}

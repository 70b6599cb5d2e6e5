/**
 * Moving shop tokens from where the first installs stored them, `<root>/workspaces/<ws>/shopify/<shop>`
 * (with the keys a workspace provides, so every LLM function could read them), to
 * `<root>/connections/shopify/<ws>/<shop>` (`ionflux shopify migrate-tokens`). Per shop:
 *
 * 1. take the shop's refresh lock (shopify-token-locks; the one TokenManager holds while it spends the
 *    rotating refresh token and stores its successor), waiting while a refresh holds it: nobody rotates
 *    the tokens while they are copied;
 * 2. copy the secret's value to the new name (unless the new one is already as recent: a rerun, or a
 *    refresh since), then point the connection's `access_token_secret_ref` at it;
 * 3. remove the old secret, still holding the lock (renewed first, which proves it is still ours) and only
 *    if its value has not changed since it was copied (else copy again) and no refresh of the token it
 *    holds was left unfinished (a stalled holder could still write the successor there: the old secret is
 *    kept and the shop reported, run again later).
 *
 * Functions that read the old reference before step 2 find no token at the old name afterwards (a 409 for
 * that one request), never a refresh token spent twice. Idempotent: a rerun finds nothing to do.
 */
import type { Connection, ConnectionRegistry } from '../connections/connection-registry';
import { SHOP_DOMAIN } from '../connections/account-ids';
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { workspaceSecretPrefix } from '../secrets/names';
import type { SecretStore } from '../secrets/secret-store';
import { WORKSPACE_ID } from '../workspaces/workspace-id';
import { refreshTokenFingerprint, type TokenLocks } from './token-locks';
import { shopTokenSecretName } from './token-store';

const log = moduleLogger('shopify');

/** Where shop tokens were stored before they moved under `<root>/connections/shopify/`. */
export const legacyShopTokenSecretName = (secretRoot: string, workspaceId: string, shop: string): string =>
  `${workspaceSecretPrefix(secretRoot, workspaceId)}shopify/${shop}`;

export type MigrationOutcome =
  /** Copied (or already copied), the connection points at the new secret, the old one is removed. */
  | 'migrated'
  /** Nothing to do: no old secret, and the connection already points at the new one. */
  | 'already_migrated'
  /** --dry-run: what a run would do. */
  | 'would_migrate'
  /** A refresh held the shop's lock the whole time we waited: run again. */
  | 'busy'
  /** Copied and switched over, but the old secret could not be removed safely yet: run again later. */
  | 'kept_old'
  /** Not shop tokens (a workspace's own key under a `shopify/` name), or no tokens anywhere. */
  | 'skipped'
  | 'failed';

export interface MigrationItem {
  shop: string;
  workspace_id: string;
  from: string;
  to: string;
  outcome: MigrationOutcome;
  /** The connection's reference was switched to `to` (or would be, in a dry run). */
  reference_updated: boolean;
  detail?: string;
}

export interface MigrationReport {
  dry_run: boolean;
  items: MigrationItem[];
  /** Shops a later run must look at again (busy, kept_old, failed). */
  pending: number;
}

export interface TokenMigrationDeps {
  store: Pick<SecretStore, 'get' | 'put' | 'list' | 'delete'>;
  connections: Pick<ConnectionRegistry, 'get' | 'list' | 'updateDetails'>;
  locks: Pick<TokenLocks, 'acquire' | 'renew' | 'release' | 'spendState'>;
  secretRoot: string;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Lease taken on each shop's refresh lock (default 60 s, like a refresh). */
  lockLeaseMs?: number;
  /** Longest wait for a refresh holding the lock (default 30 s), re-trying every `waitStepMs` (200 ms). */
  maxWaitMs?: number;
  waitStepMs?: number;
}

interface Candidate {
  shop: string;
  workspaceId: string;
  from: string;
  to: string;
}

/** The parts of a stored token secret the migration looks at. */
interface TokenFields {
  shop?: unknown;
  access_token?: unknown;
  refresh_token?: unknown;
  updated_at?: unknown;
}

const parse = (raw: string): TokenFields | undefined => {
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as TokenFields) : undefined;
  } catch {
    return undefined;
  }
};

const updatedAt = (fields: TokenFields | undefined): number => (typeof fields?.updated_at === 'string' ? Date.parse(fields.updated_at) || 0 : 0);

export class ShopTokenMigration {
  constructor(private readonly deps: TokenMigrationDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  private sleep(ms: number): Promise<void> {
    return (this.deps.sleep ?? ((t: number) => new Promise<void>((r) => setTimeout(r, t))))(ms);
  }

  /** Every old-path token secret: those in the store, and those a connection still points at. */
  async candidates(): Promise<Candidate[]> {
    const root = this.deps.secretRoot;
    const found = new Map<string, Candidate>();
    const consider = (name: string) => {
      const prefix = `${root}/workspaces/`;
      if (!name.startsWith(prefix)) return;
      const parts = name.slice(prefix.length).split('/');
      if (parts.length !== 3 || parts[1] !== 'shopify') return;
      const [workspaceId, , shop] = parts as [string, string, string];
      if (!WORKSPACE_ID.test(workspaceId) || !SHOP_DOMAIN.test(shop)) return;
      found.set(name, { shop, workspaceId, from: name, to: shopTokenSecretName(root, workspaceId, shop) });
    };
    for (const name of await this.deps.store.list(`${root}/workspaces/`)) consider(name);
    for (const connection of await this.deps.connections.list({ provider: 'shopify' })) {
      const ref = connection.details.access_token_secret_ref;
      if (typeof ref === 'string') consider(ref);
    }
    return [...found.values()].sort((a, b) => a.shop.localeCompare(b.shop) || a.workspaceId.localeCompare(b.workspaceId));
  }

  async run(options: { dryRun: boolean }): Promise<MigrationReport> {
    const items: MigrationItem[] = [];
    for (const candidate of await this.candidates()) {
      let item: MigrationItem;
      try {
        item = options.dryRun ? await this.plan(candidate) : await this.migrate(candidate);
      } catch (error) {
        item = { shop: candidate.shop, workspace_id: candidate.workspaceId, from: candidate.from, to: candidate.to, outcome: 'failed', reference_updated: false, detail: errorMessage(error) };
      }
      if (!options.dryRun) log.info('shopify token migration', { ...item });
      items.push(item);
    }
    return { dry_run: options.dryRun, items, pending: items.filter((i) => i.outcome === 'busy' || i.outcome === 'kept_old' || i.outcome === 'failed').length };
  }

  /** True when the connection is this workspace's and still names the old secret. */
  private pointsAtOld(connection: Connection | undefined, c: Candidate): connection is Connection {
    return connection !== undefined && connection.workspace_id === c.workspaceId && connection.details.access_token_secret_ref === c.from;
  }

  private async plan(c: Candidate): Promise<MigrationItem> {
    const item = { shop: c.shop, workspace_id: c.workspaceId, from: c.from, to: c.to };
    const [oldRaw, connection] = await Promise.all([this.deps.store.get(c.from), this.deps.connections.get('shopify', c.shop)]);
    const reference = this.pointsAtOld(connection, c);
    if (oldRaw === undefined && !reference) return { ...item, outcome: 'already_migrated', reference_updated: false };
    const refused = oldRaw === undefined ? undefined : this.notShopTokens(oldRaw, c);
    if (refused) return { ...item, outcome: 'skipped', reference_updated: false, detail: refused };
    return { ...item, outcome: 'would_migrate', reference_updated: reference };
  }

  /** Why a secret at an old-path name is not this shop's tokens (then it is left alone), else undefined. */
  private notShopTokens(raw: string, c: Candidate): string | undefined {
    const fields = parse(raw);
    if (typeof fields?.access_token !== 'string' || fields.access_token === '') return 'not shop tokens (no access_token): left alone';
    if (fields.shop !== undefined && fields.shop !== c.shop) return `holds the tokens of ${String(fields.shop)}, not ${c.shop}: left alone`;
    return undefined;
  }

  private async lock(shop: string): Promise<string | undefined> {
    const leaseMs = this.deps.lockLeaseMs ?? 60_000;
    const until = this.now() + (this.deps.maxWaitMs ?? 30_000);
    for (;;) {
      const lease = await this.deps.locks.acquire(shop, leaseMs);
      if (lease) return lease.owner;
      if (this.now() >= until) return undefined;
      await this.sleep(this.deps.waitStepMs ?? 200);
    }
  }

  private async migrate(c: Candidate): Promise<MigrationItem> {
    const { store, locks, connections } = this.deps;
    const item = { shop: c.shop, workspace_id: c.workspaceId, from: c.from, to: c.to };
    const owner = await this.lock(c.shop);
    if (!owner) return { ...item, outcome: 'busy', reference_updated: false, detail: 'a token refresh held the shop’s lock the whole time; run again' };
    let referenceUpdated = false;
    try {
      // A few rounds at most: each one follows a write that landed on the old secret while we copied it.
      for (let round = 0; round < 3; round++) {
        const oldRaw = await store.get(c.from);
        if (oldRaw !== undefined) {
          const refused = this.notShopTokens(oldRaw, c);
          if (refused) return { ...item, outcome: 'skipped', reference_updated: false, detail: refused };
          const newRaw = await store.get(c.to);
          // The new secret wins when it is as recent: a previous run copied it, and a refresh may have rotated it since.
          if (newRaw === undefined || (newRaw !== oldRaw && updatedAt(parse(oldRaw)) > updatedAt(parse(newRaw)))) await store.put(c.to, oldRaw);
        } else if ((await store.get(c.to)) === undefined) {
          return { ...item, outcome: 'skipped', reference_updated: false, detail: 'no tokens under either name' };
        }
        const connection = await connections.get('shopify', c.shop);
        if (this.pointsAtOld(connection, c)) {
          await connections.updateDetails('shopify', c.shop, { access_token_secret_ref: c.to });
          referenceUpdated = true;
        }
        if (oldRaw === undefined) return { ...item, outcome: referenceUpdated ? 'migrated' : 'already_migrated', reference_updated: referenceUpdated };

        // Removing the old copy: only while the lock is still ours, and only if nothing was written there since.
        if (!(await locks.renew(c.shop, owner, this.deps.lockLeaseMs ?? 60_000))) {
          return { ...item, outcome: 'kept_old', reference_updated: referenceUpdated, detail: 'the refresh lock ran out during the copy; run again' };
        }
        const refreshToken = parse(oldRaw)?.refresh_token;
        if (typeof refreshToken === 'string' && (await locks.spendState(c.shop, refreshTokenFingerprint(refreshToken)))?.state === 'abandoned') {
          return { ...item, outcome: 'kept_old', reference_updated: referenceUpdated, detail: 'a refresh of this token never finished and might still store its successor there; run again later' };
        }
        if ((await store.get(c.from)) !== oldRaw) continue; // a late write: copy that one
        await store.delete(c.from);
        return { ...item, outcome: 'migrated', reference_updated: referenceUpdated };
      }
      return { ...item, outcome: 'kept_old', reference_updated: referenceUpdated, detail: 'the old secret kept changing while it was copied; run again' };
    } finally {
      await locks.release(c.shop, owner).catch((error: unknown) => log.warn('could not release the token lock', { shop: c.shop, error: errorMessage(error) }));
    }
  }
}

/**
 * SecretResolver: the credential for a provider call. The workspace's own secret when its
 * `generic_secrets_config_json` maps the label (by default the provider name) to a secret under its
 * own prefix; otherwise the platform secret `<root>/platform/<provider>`. Values are never logged: only
 * secret *names* appear in errors.
 *
 * Caching, per execution environment: a complete secret is reused for `ttlMs`. A missing secret, one that
 * failed to load, and one found incomplete (a required field absent) are never kept, so the next call
 * sees the fix at once. With a `changes` signal (the local runtime: `ionflux secrets set` in the same state
 * folder), every cached value is dropped as soon as the signal moves.
 */
import type { WorkspaceDirectory } from '../workspaces/workspace-directory';
import { SecretMalformedError, SecretMappingRefusedError, SecretNotFoundError } from './errors';
import { storeSecretHint } from './hints';
import { isUnderWorkspacePrefix, platformSecretName, workspaceSecretPrefix } from './names';
import type { SecretStore } from './secret-store';

export type CredentialSource = 'workspace' | 'platform';

/** A resolved credential. `values` is the secret's JSON object (a plain-string secret becomes `{ api_key }`). */
export class Credential {
  constructor(
    readonly provider: string,
    readonly source: CredentialSource,
    readonly secretName: string,
    private readonly values: Readonly<Record<string, unknown>>,
    /** Called when a required field is missing: the resolver drops its copy of the incomplete secret. */
    private readonly onIncomplete: () => void = () => undefined,
  ) {}

  /** An optional string field. */
  get(field: string): string | undefined {
    const value = this.values[field];
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  /** A required string field; a clear error naming the secret and field when absent. */
  require(field: string): string {
    const value = this.get(field);
    if (value === undefined) {
      this.onIncomplete();
      throw new SecretNotFoundError(this.secretName, `it has no "${field}" (complete it with: ${storeSecretHint(this.secretName, this.provider, this.values, [field])})`);
    }
    return value;
  }

  /** Every field (for adapters that take a structured secret). */
  fields(): Readonly<Record<string, unknown>> {
    return this.values;
  }

  /** Never serialise values by accident (logs, error bodies). */
  toJSON(): Record<string, string> {
    return { provider: this.provider, source: this.source, secret: this.secretName };
  }
}

export interface SecretResolverOptions {
  store: SecretStore;
  workspaces: Pick<WorkspaceDirectory, 'get'>;
  secretRoot: string;
  ttlMs: number;
  clock?: () => number;
  /** Moves whenever a secret may have changed (locally: the CLI wrote one); a moved signal empties the cache. */
  changes?: SecretChangeSignal;
}

export interface SecretChangeSignal {
  /** A cheap token that changes whenever any secret may have changed. */
  stamp(): string;
}

interface CacheEntry {
  values: Promise<Record<string, unknown> | undefined>;
  fetchedAt: number;
  until: number;
}

export function parseSecretValue(name: string, raw: string): Record<string, unknown> {
  const trimmed = raw.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      throw new SecretMalformedError(name, 'looks like JSON but does not parse');
    }
  }
  return { api_key: raw };
}

export class SecretResolver {
  private readonly cache = new Map<string, CacheEntry>();
  private stamp: string | undefined;

  constructor(private readonly options: SecretResolverOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /**
   * The secret's JSON fields, or undefined when it does not exist. Cached (single flight) for ttlMs, or
   * for at most `maxAgeMs` when given (callers that must see a new value sooner).
   */
  async read(name: string, options: { maxAgeMs?: number } = {}): Promise<Record<string, unknown> | undefined> {
    if (this.options.changes) {
      const stamp = this.options.changes.stamp();
      if (stamp !== this.stamp) this.cache.clear();
      this.stamp = stamp;
    }
    const cached = this.cache.get(name);
    const fresh = (entry: CacheEntry) => entry.until > this.now() && (options.maxAgeMs === undefined || this.now() - entry.fetchedAt <= options.maxAgeMs);
    if (cached && fresh(cached)) return cached.values;
    const values = this.options.store.get(name).then((raw) => (raw === undefined ? undefined : parseSecretValue(name, raw)));
    const entry = { values, fetchedAt: this.now(), until: this.now() + this.options.ttlMs };
    this.cache.set(name, entry);
    // Failures and misses are not kept: the next call asks again (an operator may just have fixed it).
    values.then(
      (v) => v === undefined && this.cache.get(name) === entry && this.cache.delete(name),
      () => this.cache.get(name) === entry && this.cache.delete(name),
    );
    return values;
  }

  /** A secret that must exist (`provider`: whose fields the hint to create it lists). */
  async require(name: string, provider?: string): Promise<Record<string, unknown>> {
    const values = await this.read(name);
    if (values === undefined) throw new SecretNotFoundError(name, `create it with: ${storeSecretHint(name, provider, undefined)}`);
    return values;
  }

  private async credential(provider: string, source: CredentialSource, name: string): Promise<Credential> {
    const values = await this.require(name, provider);
    const entry = this.cache.get(name);
    return new Credential(provider, source, name, values, () => this.cache.get(name) === entry && this.cache.delete(name));
  }

  /** The platform credential of a provider. */
  async platform(provider: string): Promise<Credential> {
    return this.credential(provider, 'platform', platformSecretName(this.options.secretRoot, provider));
  }

  /**
   * The platform credential read again from the store, when the cached one is at least `minAgeMs` old
   * (else undefined): after a key rotation the cached value can be stale for up to the TTL, but a caller
   * that refreshes on every failure (e.g. every forged webhook) must not turn into a store call each.
   */
  async refreshPlatform(provider: string, options: { minAgeMs: number }): Promise<Credential | undefined> {
    const name = platformSecretName(this.options.secretRoot, provider);
    const cached = this.cache.get(name);
    if (cached && this.now() - cached.fetchedAt < options.minAgeMs) return undefined;
    this.invalidate(name);
    return this.platform(provider);
  }

  /**
   * The credential for a call made on behalf of `workspaceId`: its own mapped secret for `label`
   * (default: the provider name) when it has one, else the platform secret.
   */
  async resolve(request: { provider: string; workspaceId?: string; label?: string }): Promise<Credential> {
    const label = request.label ?? request.provider;
    if (request.workspaceId) {
      const workspace = await this.options.workspaces.get(request.workspaceId);
      const mapped = workspace?.settings.generic_secrets_config_json[label];
      if (mapped !== undefined) {
        if (!isUnderWorkspacePrefix(this.options.secretRoot, request.workspaceId, mapped)) {
          throw new SecretMappingRefusedError(request.workspaceId, label, mapped, workspaceSecretPrefix(this.options.secretRoot, request.workspaceId));
        }
        return this.credential(request.provider, 'workspace', mapped);
      }
    }
    return this.platform(request.provider);
  }

  /** Forget a cached secret (e.g. after the provider rejected it, or after writing a new version). */
  invalidate(name: string): void {
    this.cache.delete(name);
  }
}

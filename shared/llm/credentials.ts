/**
 * The key for a provider call made on behalf of a workspace: the workspace's own secret when its
 * settings map the provider's label, else the platform secret (SecretResolver), turned into what a
 * provider client needs — key, base URL, the secret's other fields — with a workspace's own base URL
 * checked by the SSRF guard now and on every connection (its fetch). Shared by every service that
 * calls providers through the strategy engine (LLM tasks, audio).
 */
import type { ResolvedCredential } from './engine';

/** What resolving needs of the SecretResolver (shared/secrets/secret-resolver.ts). */
export interface CredentialSource {
  resolve(request: { provider: string; workspaceId?: string }): Promise<{
    source: 'workspace' | 'platform';
    secretName: string;
    get(field: string): string | undefined;
    require(field: string): string;
    fields(): Readonly<Record<string, unknown>>;
  }>;
  invalidate(name: string): void;
}

export interface ProviderKeyDeps {
  secrets: CredentialSource;
  /** SSRF check of a base_url a workspace supplied with its own key (early, clear refusal before any call). */
  vetBaseUrl(url: string, what: string): Promise<void>;
  /**
   * The fetch the clients use for a base_url a workspace supplied: connects only to addresses checked when
   * the connection opens, never follows redirects (network-guard.ts `guardedFetch`).
   */
  workspaceFetch: typeof globalThis.fetch;
}

/** How a provider's secret is read. */
export interface KeyedProvider {
  /** The secret's label: `<root>/platform/<label>`, and the workspace mapping's key. */
  label: string;
  /**
   * The base URL when the secret names none; a function when it depends on other fields of the secret
   * (Azure's region); undefined when the secret must name one (self-hosted servers).
   */
  defaultBaseUrl?: string | ((fields: { get(field: string): string | undefined; secretName: string }) => string);
  /** Whether `api_key` is required (default: when there is a default base URL — hosted APIs). */
  keyRequired?: boolean;
}

export async function resolveProviderKey(deps: ProviderKeyDeps, provider: KeyedProvider, workspaceId: string): Promise<ResolvedCredential> {
  const credential = await deps.secrets.resolve({ provider: provider.label, workspaceId });
  const ownBaseUrl = credential.get('base_url');
  const fallback = provider.defaultBaseUrl;
  // A self-hosted provider has no default server: its secret must name one.
  const baseUrl =
    ownBaseUrl ?? (typeof fallback === 'function' ? fallback({ get: (f) => credential.get(f), secretName: credential.secretName }) : fallback) ?? credential.require('base_url');
  // A workspace's own server: checked now, and every connection to it checked again (DNS can change,
  // the server can redirect) by the guarded fetch. Platform secrets are trusted (internal servers too).
  const guarded = !!ownBaseUrl && credential.source === 'workspace';
  if (guarded) await deps.vetBaseUrl(ownBaseUrl, `base_url of ${credential.secretName}`);
  // Self-hosted servers may run without a key.
  const apiKey = (provider.keyRequired ?? fallback !== undefined) ? credential.require('api_key') : (credential.get('api_key') ?? 'no-key');
  const { api_key: _key, base_url: _url, ...fields } = credential.fields();
  return { credential: { apiKey, baseUrl, fields, ...(guarded ? { fetch: deps.workspaceFetch } : {}) }, source: credential.source, secretName: credential.secretName };
}

/**
 * Where a connected account's tokens live: one Secrets Manager secret per workspace and account, with the
 * tokens the platform obtains (`<root>/connections/<provider>/<workspace_id>/<account>`, named by
 * `connectionSecretName`), holding the access token, the rotating refresh token, their expiry and who they
 * belong to. The connection record keeps only this name (`access_token_secret_ref`).
 */
import type { SecretStore } from '../secrets/secret-store';
import { SecretMalformedError } from '../secrets/errors';
import type { OAuthTokens } from './token-request';

/** Stored tokens: the tokens, whose they are (e.g. `shop`, `open_id`, `workspace_id`) and when they were written. */
export type StoredTokens<T extends OAuthTokens = OAuthTokens> = T & { workspace_id: string; updated_at: string };

export class OAuthTokenStore<T extends OAuthTokens = OAuthTokens> {
  constructor(
    private readonly secrets: Pick<SecretStore, 'get' | 'put'>,
    private readonly clock: () => number = Date.now,
  ) {}

  async read(secretName: string): Promise<StoredTokens<T> | undefined> {
    const raw = await this.secrets.get(secretName);
    if (raw === undefined || raw.trim() === '' || raw.trim() === '{}') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new SecretMalformedError(secretName, 'is not JSON');
    }
    const v = value as Partial<StoredTokens<T>>;
    if (!v || typeof v !== 'object' || typeof v.access_token !== 'string' || v.access_token === '') {
      throw new SecretMalformedError(secretName, 'has no access_token');
    }
    return v as StoredTokens<T>;
  }

  /** Writes the tokens with their owner's fields (`workspace_id` and the provider's account field). */
  async store(secretName: string, tokens: T, owner: { workspace_id: string } & Record<string, string>): Promise<StoredTokens<T>> {
    const stored = { ...tokens, ...owner, updated_at: new Date(this.clock()).toISOString() } as StoredTokens<T>;
    await this.secrets.put(secretName, JSON.stringify(stored));
    return stored;
  }
}

/**
 * Where a shop's tokens live: one Secrets Manager secret per workspace and shop, with the tokens the
 * platform obtains (`<root>/connections/shopify/<workspace_id>/<shop>`, apart from the keys a workspace
 * provides), holding the access token, the rotating refresh token
 * and their expiry. The connection record keeps only this name (`access_token_secret_ref`).
 */
import { connectionSecretName } from '../secrets/names';
import type { SecretStore } from '../secrets/secret-store';
import { SecretMalformedError } from '../secrets/errors';
import type { ShopTokens } from './token-endpoint';

export const shopTokenSecretName = (secretRoot: string, workspaceId: string, shop: string): string =>
  connectionSecretName(secretRoot, 'shopify', workspaceId, shop);

export interface StoredShopTokens extends ShopTokens {
  shop: string;
  workspace_id: string;
  updated_at: string;
}

export class ShopTokenStore {
  constructor(
    private readonly store: Pick<SecretStore, 'get' | 'put'>,
    private readonly clock: () => number = Date.now,
  ) {}

  async read(secretName: string): Promise<StoredShopTokens | undefined> {
    const raw = await this.store.get(secretName);
    if (raw === undefined || raw.trim() === '' || raw.trim() === '{}') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new SecretMalformedError(secretName, 'is not JSON');
    }
    const v = value as Partial<StoredShopTokens>;
    if (!v || typeof v !== 'object' || typeof v.access_token !== 'string' || v.access_token === '') {
      throw new SecretMalformedError(secretName, 'has no access_token');
    }
    return v as StoredShopTokens;
  }

  async write(secretName: string, tokens: ShopTokens, owner: { shop: string; workspaceId: string }): Promise<StoredShopTokens> {
    const stored: StoredShopTokens = { ...tokens, shop: owner.shop, workspace_id: owner.workspaceId, updated_at: new Date(this.clock()).toISOString() };
    await this.store.put(secretName, JSON.stringify(stored));
    return stored;
  }
}

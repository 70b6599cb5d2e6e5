/**
 * Where a shop's tokens live: the OAuth core's token store (shared/oauth/token-store.ts), one secret per
 * workspace and shop with the tokens the platform obtains (`<root>/connections/shopify/<workspace_id>/<shop>`),
 * holding the access token, the rotating refresh token and their expiry. The connection record keeps only
 * this name (`access_token_secret_ref`).
 */
import { OAuthTokenStore, type StoredTokens } from '../oauth/token-store';
import { connectionSecretName } from '../secrets/names';
import type { ShopTokens } from './token-endpoint';

export const shopTokenSecretName = (secretRoot: string, workspaceId: string, shop: string): string =>
  connectionSecretName(secretRoot, 'shopify', workspaceId, shop);

export type StoredShopTokens = StoredTokens<ShopTokens> & { shop: string };

export class ShopTokenStore extends OAuthTokenStore<ShopTokens> {
  override async read(secretName: string): Promise<StoredShopTokens | undefined> {
    return (await super.read(secretName)) as StoredShopTokens | undefined;
  }

  async write(secretName: string, tokens: ShopTokens, owner: { shop: string; workspaceId: string }): Promise<StoredShopTokens> {
    return (await this.store(secretName, tokens, { shop: owner.shop, workspace_id: owner.workspaceId })) as StoredShopTokens;
  }
}

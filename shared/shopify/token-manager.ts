/**
 * Access tokens for calls to a shop, kept fresh by the OAuth core's token manager
 * (shared/oauth/token-manager.ts: single flight, DynamoDB lease, spend marks, cooldown, revocation only on
 * `invalid_grant`). Expiring offline tokens live one hour; they are refreshed 15 minutes before expiry and
 * when Shopify answers 401. This file binds the core to Shopify: the refresh request, Shopify's errors
 * (`shop_not_connected`, `shopify_token_unavailable`) and `shopify.connection.revoked`.
 */
import { OAuthTokenManager, type OAuthTokenManagerOptions, type TokenAccess, type TokenManagerBinding } from '../oauth/token-manager';
import { ShopifyAccessRevokedError, ShopifyTokenUnavailableError, ShopNotConnectedError } from './errors';
import { type Publisher, publishShopifyEvents } from './events';
import type { AppCredentials, ShopifyTokenEndpoint, ShopTokens } from './token-endpoint';
import type { ShopTokenStore, StoredShopTokens } from './token-store';

export { DEFAULT_LOCK_LEASE_MS } from '../oauth/token-manager';

/** Which shop, for which workspace, with its tokens under which secret. */
export interface ShopAccess {
  shop: string;
  workspaceId: string;
  secretName: string;
}

export interface TokenManagerOptions extends Omit<OAuthTokenManagerOptions<ShopTokens, AppCredentials>, 'binding' | 'tokens'> {
  tokens: ShopTokenStore;
  endpoint: Pick<ShopifyTokenEndpoint, 'refresh'>;
  publisher: Publisher;
  source?: string;
}

const INSTALL_HINT = 'connect the store through /oauth/shopify/install';

function shopifyBinding(options: TokenManagerOptions): TokenManagerBinding<ShopTokens, AppCredentials> {
  const details = (access: TokenAccess) => ({ shop: access.account, workspace_id: access.workspaceId });
  return {
    provider: 'shopify',
    label: 'Shopify',
    refresh: (access, refreshToken, app) => options.endpoint.refresh(access.account, refreshToken, app),
    errors: {
      noTokens: (access) => new ShopNotConnectedError(`no Shopify tokens are stored for ${access.account}; ${INSTALL_HINT}`, { status: 409, details: details(access) }),
      notConnected: (access, status) =>
        status
          ? new ShopNotConnectedError(`${access.account} is ${status} for workspace ${access.workspaceId}; connect it again through /oauth/shopify/install`, {
              status: 409,
              details: { ...details(access), status },
            })
          : new ShopNotConnectedError(`${access.account} is not connected to workspace ${access.workspaceId}`, { status: 409, details: details(access) }),
      revoked: (access, reason) => new ShopifyAccessRevokedError(access.account, reason, access.workspaceId),
      unavailable: (access, reason, retryAfterS) => new ShopifyTokenUnavailableError(access.account, reason, retryAfterS),
    },
    publishRevoked: async (access, reason, tokens, deadline) => {
      await publishShopifyEvents(
        options.publisher,
        [
          {
            workspaceId: access.workspaceId,
            topic: 'connection/revoked',
            idParts: [access.account, 'connection/revoked', String(tokens.obtained_at)],
            source: options.source ?? 'shopify-integration',
            key: access.account,
            payload: { shop_domain: access.account, reason, revoked_at: new Date((options.clock ?? Date.now)()).toISOString(), action_required: 'reinstall' },
          },
        ],
        deadline,
      );
    },
  };
}

const coreAccess = (access: ShopAccess): TokenAccess => ({ account: access.shop, workspaceId: access.workspaceId, secretName: access.secretName });

export class TokenManager {
  private readonly core: OAuthTokenManager<ShopTokens, AppCredentials>;

  constructor(options: TokenManagerOptions) {
    const { tokens } = options;
    this.core = new OAuthTokenManager({
      ...options,
      binding: shopifyBinding(options),
      tokens: { read: (name) => tokens.read(name), write: (access, next) => tokens.write(access.secretName, next, { shop: access.account, workspaceId: access.workspaceId }) },
    });
  }

  /** A valid access token for the shop, refreshed first when it is within the margin of expiry. */
  accessToken(access: ShopAccess, options: { deadline: number }): Promise<string> {
    return this.core.accessToken(coreAccess(access), options);
  }

  /** Shopify answered 401 to `rejected`: a newer token if someone refreshed, else a forced refresh. */
  rejected(access: ShopAccess, rejected: string, options: { deadline: number }): Promise<string> {
    return this.core.rejected(coreAccess(access), rejected, options);
  }

  /** Tokens just written (the install): used as they are, without waiting for the store to show them. */
  remember(secretName: string, tokens: StoredShopTokens): void {
    this.core.remember(secretName, tokens);
  }

  /** Forget cached tokens (tests, or after a reinstall). */
  forget(secretName?: string): void {
    this.core.forget(secretName);
  }
}

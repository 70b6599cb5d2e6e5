/**
 * A connected TikTok account's tokens: stored with the tokens the platform obtains
 * (`<root>/connections/tiktok/<workspace_id>/<open_id>`) and kept fresh by the OAuth core's token manager
 * (single flight, DynamoDB lease in `tiktok-token-locks`, spend marks, cooldown). This file binds the
 * core to TikTok: the refresh grant, TikTok's errors, and `tiktok.connection.revoked` when TikTok refuses a
 * refresh token (`invalid_grant`).
 */
import { OAuthTokenManager, type OAuthTokenManagerOptions, type TokenAccess, type TokenManagerBinding } from '../oauth/token-manager';
import type { OAuthTokenStore } from '../oauth/token-store';
import { connectionSecretName } from '../secrets/names';
import type { TikTokApp } from './config';
import { TikTokAccessRevokedError, TikTokAccountNotConnectedError, TikTokTokenUnavailableError } from './errors';
import { type Publisher, publishTikTokEvents } from './events';
import type { TikTokTokenEndpoint, TikTokTokens } from './token-endpoint';

export const tiktokTokenSecretName = (secretRoot: string, workspaceId: string, openId: string): string => connectionSecretName(secretRoot, 'tiktok', workspaceId, openId);

export type TikTokTokenManager = OAuthTokenManager<TikTokTokens, TikTokApp>;

export interface TikTokTokenManagerOptions extends Omit<OAuthTokenManagerOptions<TikTokTokens, TikTokApp>, 'binding' | 'tokens'> {
  tokens: OAuthTokenStore<TikTokTokens>;
  endpoint: Pick<TikTokTokenEndpoint, 'refresh'>;
  publisher: Publisher;
  source?: string;
}

const RECONNECT = 'connect the account again with a new install link';

export function tiktokBinding(options: Pick<TikTokTokenManagerOptions, 'endpoint' | 'publisher' | 'source' | 'clock'>): TokenManagerBinding<TikTokTokens, TikTokApp> {
  return {
    provider: 'tiktok',
    label: 'TikTok',
    refresh: (access, refreshToken, app) => options.endpoint.refresh(app, access.account, refreshToken),
    errors: {
      noTokens: (access) => new TikTokAccountNotConnectedError(access.account, access.workspaceId, `no TikTok tokens are stored for ${access.account}; ${RECONNECT}`),
      notConnected: (access, status) =>
        status ? new TikTokAccessRevokedError(access.account, access.workspaceId, `connection ${status}`, status === 'revoked' ? 'revoked' : 'inactive') : new TikTokAccountNotConnectedError(access.account, access.workspaceId),
      revoked: (access, reason) => new TikTokAccessRevokedError(access.account, access.workspaceId, reason),
      unavailable: (access, reason, retryAfterS) => new TikTokTokenUnavailableError(access.account, reason, retryAfterS),
    },
    publishRevoked: async (access, reason, tokens, deadline) => {
      await publishTikTokEvents(
        options.publisher,
        [
          {
            workspaceId: access.workspaceId,
            event: 'connection.revoked',
            idParts: [access.account, 'connection.revoked', String(tokens.obtained_at)],
            source: options.source ?? 'tiktok-integration',
            key: access.account,
            payload: { open_id: access.account, reason, revoked_at: new Date((options.clock ?? Date.now)()).toISOString(), action_required: 'reconnect' },
          },
        ],
        deadline,
      );
    },
  };
}

export function createTikTokTokenManager(options: TikTokTokenManagerOptions): TikTokTokenManager {
  const { tokens } = options;
  return new OAuthTokenManager({
    ...options,
    binding: tiktokBinding(options),
    tokens: { read: (name) => tokens.read(name), write: (access: TokenAccess, next) => tokens.store(access.secretName, next, { open_id: access.account, workspace_id: access.workspaceId }) },
  });
}

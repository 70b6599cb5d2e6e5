/**
 * Errors of the TikTok integration. Each carries the HTTP status our own callers get: problems with the
 * caller's request are 4xx (a scope the account did not grant is 403 `missing_scope`, an account not
 * connected to the workspace 404), TikTok limiting us is 429 with Retry-After, TikTok failing us 502/503,
 * configuration the operator must fix 500. TikTok's own `error.code` is mapped to one of these, never
 * passed on as the code (it stays in `details.tiktok_code` with TikTok's `log_id` for support).
 */
import { IonfluxError } from '../errors';
import { OAuthGrantRejectedError } from '../oauth/errors';

/** TikTok's token endpoint failed (unreachable, 5xx, 429, no token in the answer). */
export class TikTokTokenError extends IonfluxError {
  constructor(message: string, options: { status?: number; details?: Record<string, unknown>; cause?: unknown; retryAfterS?: number } = {}) {
    super('tiktok_token_error', message, {
      status: options.status ?? 502,
      ...(options.details ? { details: options.details } : {}),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
      ...(options.retryAfterS !== undefined ? { retryAfterS: options.retryAfterS } : {}),
    });
  }
}

/** TikTok refused a token request (OAuth `error`): only `invalid_grant` means the grant is dead. */
export class TikTokGrantRejectedError extends OAuthGrantRejectedError {
  constructor(account: string, httpStatus: number, oauthError: string) {
    super('tiktok_token_error', `TikTok refused the token request${account ? ` for ${account}` : ''} (HTTP ${httpStatus}${oauthError ? `, ${oauthError}` : ''})`, account, httpStatus, oauthError, {
      status: 502,
      details: { ...(account ? { open_id: account } : {}), http_status: httpStatus, oauth_error: oauthError || null },
    });
  }
}

/** No valid access token right now (a refresh cooling down after a failure, or another function refreshing). */
export class TikTokTokenUnavailableError extends IonfluxError {
  constructor(openId: string, reason: string, retryAfterS: number) {
    super('tiktok_token_unavailable', `no valid TikTok access token for ${openId} right now: ${reason}`, { status: 503, details: { open_id: openId }, retryAfterS });
  }
}

/** The account is not connected to this workspace (never connected, or connected to another one). */
export class TikTokAccountNotConnectedError extends IonfluxError {
  constructor(openId: string, workspaceId: string, message?: string) {
    super('account_not_connected', message ?? `TikTok account ${openId} is not connected to workspace ${workspaceId}`, { status: 404, details: { open_id: openId, workspace_id: workspaceId } });
  }
}

/** The account was connected again while a request was changing its connection: nothing was changed; try again. */
export class TikTokConnectionChangedError extends IonfluxError {
  constructor(openId: string, workspaceId: string) {
    super('connection_changed', `TikTok account ${openId} was connected again while it was being disconnected; nothing was changed, try again`, {
      status: 409,
      details: { open_id: openId, workspace_id: workspaceId },
    });
  }
}

/**
 * The account's connection is revoked (the user removed the authorization, or TikTok refused the refresh
 * token) or inactive: it must be connected again through an install link.
 */
export class TikTokAccessRevokedError extends IonfluxError {
  constructor(openId: string, workspaceId: string, reason: string, status: 'revoked' | 'inactive' = 'revoked') {
    super('account_revoked', `TikTok access to ${openId} was ${status === 'revoked' ? 'revoked' : 'disconnected'} (${reason}); connect the account again with a new install link`, {
      status: 409,
      details: { open_id: openId, workspace_id: workspaceId, status, reason },
    });
  }
}

/** The account did not grant a scope this call needs (ours to know, or TikTok's `scope_not_authorized`). */
export class MissingScopeError extends IonfluxError {
  constructor(scope: string, context: { openId?: string; granted?: string[]; tiktokCode?: string; logId?: string } = {}) {
    super('missing_scope', `the TikTok account${context.openId ? ` ${context.openId}` : ''} did not grant the "${scope}" scope this call needs; connect it again with a link that asks for it`, {
      status: 403,
      details: {
        scope,
        ...(context.openId ? { open_id: context.openId } : {}),
        ...(context.granted ? { granted_scopes: context.granted } : {}),
        ...(context.tiktokCode ? { tiktok_code: context.tiktokCode } : {}),
        ...(context.logId ? { log_id: context.logId } : {}),
      },
    });
  }
}

/** TikTok limited us (per-minute window, or a daily quota): 429 with Retry-After. */
export class TikTokRateLimitedError extends IonfluxError {
  constructor(
    code: 'tiktok_rate_limited' | 'research_quota_exhausted',
    message: string,
    readonly retryAfterS: number,
    details: Record<string, unknown> = {},
  ) {
    super(code, message, { status: 429, details: { ...details, retry_after_s: Math.max(1, Math.ceil(retryAfterS)) }, retryAfterS });
  }
}

/** TikTok answered with an error (mapped from its `error.code`) or could not be reached in time. */
export class TikTokApiError extends IonfluxError {
  constructor(code: string, message: string, options: { status: number; details?: Record<string, unknown>; cause?: unknown; retryAfterS?: number }) {
    super(code, message, {
      status: options.status,
      ...(options.details ? { details: options.details } : {}),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
      ...(options.retryAfterS !== undefined ? { retryAfterS: options.retryAfterS } : {}),
    });
  }
}

/** A field of the caller's request (a research query, dates, a cursor, fields) cannot be sent as asked: 400 naming it. */
export class InvalidTikTokRequestError extends IonfluxError {
  constructor(field: string, problem: string) {
    super('invalid_request', `${field}: ${problem}`, { status: 400, details: { field } });
  }
}

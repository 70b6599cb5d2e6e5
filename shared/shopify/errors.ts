/**
 * Errors of the Shopify integration. Each carries the HTTP status our own callers get: problems with the
 * caller's request are 4xx, Shopify being unavailable or refusing is 502/503 (with Retry-After when
 * waiting helps), and configuration the operator must fix is 500.
 */
import { IonfluxError } from '../errors';

/** The OAuth callback (or install request) was refused: the OAuth core's error (shared/oauth/errors.ts). */
export { OAuthRefusedError } from '../oauth/errors';

/** Shopify's token endpoint refused or failed the code exchange or a refresh. */
export class ShopifyTokenError extends IonfluxError {
  constructor(message: string, options: { status?: number; details?: Record<string, unknown>; cause?: unknown; retryAfterS?: number } = {}) {
    super('shopify_token_error', message, {
      status: options.status ?? 502,
      ...(options.details ? { details: options.details } : {}),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
      ...(options.retryAfterS !== undefined ? { headers: { 'retry-after': String(Math.max(1, Math.ceil(options.retryAfterS))) } } : {}),
    });
  }
}

/** A refresh is cooling down after a failure, or another function holds the refresh lock too long. */
export class ShopifyTokenUnavailableError extends IonfluxError {
  constructor(shop: string, reason: string, retryAfterS: number) {
    super('shopify_token_unavailable', `no valid Shopify access token for ${shop} right now: ${reason}`, {
      status: 503,
      details: { shop },
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterS))) },
    });
  }
}

/** The workspace has no usable Shopify connection (none, uninstalled, or several without `shop`). */
export class ShopNotConnectedError extends IonfluxError {
  constructor(message: string, options: { status?: number; details?: Record<string, unknown> } = {}) {
    super('shop_not_connected', message, { status: options.status ?? 404, ...(options.details ? { details: options.details } : {}) });
  }
}

/**
 * The shop revoked our access (refresh token dead, legacy token rejected): a merchant must install again.
 * The same answer as every later call for a revoked store (`409 shop_not_connected`, `details.status:
 * "revoked"`), so callers see one code whether this call discovered the revocation or a previous one did.
 */
export class ShopifyAccessRevokedError extends ShopNotConnectedError {
  constructor(shop: string, reason: string, workspaceId?: string) {
    super(`Shopify access to ${shop} was revoked (${reason}); the store must be connected again through /oauth/shopify/install`, {
      status: 409,
      details: { shop, ...(workspaceId ? { workspace_id: workspaceId } : {}), status: 'revoked', reason },
    });
  }
}

/** Shopify answered with GraphQL errors (other than THROTTLED) or an unexpected HTTP status. */
export class ShopifyApiError extends IonfluxError {
  constructor(message: string, options: { status?: number; details?: Record<string, unknown>; cause?: unknown; retryAfterS?: number } = {}) {
    super('shopify_api_error', message, {
      status: options.status ?? 502,
      ...(options.details ? { details: options.details } : {}),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
      ...(options.retryAfterS !== undefined ? { headers: { 'retry-after': String(Math.max(1, Math.ceil(options.retryAfterS))) } } : {}),
    });
  }
}

/** A mutation came back with userErrors: Shopify understood and refused (e.g. theme not found). */
export class ShopifyUserError extends IonfluxError {
  constructor(
    operation: string,
    readonly userErrors: Array<{ field?: unknown; message: string; code?: unknown }>,
  ) {
    super('shopify_user_error', `${operation} refused by Shopify: ${userErrors.map((e) => e.message).join('; ')}`, {
      status: 422,
      details: { operation, user_errors: userErrors },
    });
  }

  /** True when Shopify gave this user-error code (e.g. OPERATION_IN_PROGRESS). */
  hasCode(code: string): boolean {
    return this.userErrors.some((e) => e.code === code);
  }
}

/** The Sentinel action cannot run as asked (nothing to roll back to, guard mismatch…). */
export class SentinelActionError extends IonfluxError {
  constructor(code: string, message: string, status = 409, details?: Record<string, unknown>) {
    super(code, message, { status, ...(details ? { details } : {}) });
  }
}

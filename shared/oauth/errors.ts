/**
 * Errors of the OAuth core every provider shares (shared/oauth/): a refused install or callback, and a token
 * endpoint that refused a grant. Each provider keeps its own error codes and messages (its `errors.ts`) and
 * hands them to the core; what the core decides on — "is this grant dead?" — lives here.
 */
import { IonfluxError } from '../errors';

/** The OAuth callback (or install request) was refused; the browser gets a clear error page. */
export class OAuthRefusedError extends IonfluxError {
  constructor(code: string, message: string, status = 400, details?: Record<string, unknown>) {
    // Written for the user's browser (what went wrong, what to do), whatever the status.
    super(code, message, { status, publicSafe: true, ...(details ? { details } : {}) });
  }
}

/**
 * A token endpoint answered a token request with a 4xx (other than 429) or an OAuth error body. Only
 * `invalid_grant` means the grant itself is dead (revoked, expired, already used); anything else (an edge
 * 403, `invalid_request`, a provider saying the account is unavailable) says nothing about the refresh
 * token and must never cost anyone a reconnection. Providers subclass it with their own code and message.
 */
export class OAuthGrantRejectedError extends IonfluxError {
  constructor(
    code: string,
    message: string,
    readonly account: string,
    readonly httpStatus: number,
    readonly oauthError: string,
    options: { status?: number; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { status: options.status ?? 502, ...(options.details ? { details: options.details } : {}) });
  }

  /** The grant is dead (OAuth `invalid_grant`): for a refresh, the account's access is gone. */
  get isGrantDead(): boolean {
    return this.oauthError === 'invalid_grant';
  }

  /** Our app credentials are wrong: an operator problem, not the account's. */
  get isClientProblem(): boolean {
    return this.oauthError === 'invalid_client' || this.oauthError === 'unauthorized_client';
  }
}

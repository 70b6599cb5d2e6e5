/**
 * The root of every error the integration layer raises on purpose. Each carries a stable machine code,
 * the HTTP status it maps to at the edge, optional details for the caller, and a `cause` (Middy style)
 * for the logs. Modules define their own subclasses in their own `errors.ts`.
 */
export class IonfluxError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After) the edge should send with this error. */
  readonly headers?: Record<string, string>;
  /**
   * The message and details are written for anyone (a merchant's browser, a provider): shown as they are
   * on public routes even with a 5xx status. Other 5xx errors reach public callers as a generic body
   * (shared/http/response.ts), since they may name secrets, tables or configuration.
   */
  readonly publicSafe: boolean;

  constructor(
    code: string,
    message: string,
    options: {
      status?: number;
      details?: Record<string, unknown>;
      cause?: unknown;
      headers?: Record<string, string>;
      /** When to try again, in seconds: sent as `Retry-After` (whole seconds, at least 1). */
      retryAfterS?: number;
      publicSafe?: boolean;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.publicSafe = options.publicSafe ?? false;
    if (options.details) this.details = options.details;
    const wait = options.retryAfterS === undefined ? undefined : retryAfter(options.retryAfterS);
    if (options.headers || wait) this.headers = { ...options.headers, ...wait };
  }
}

/** Configuration the operator must fix (a missing secret, an invalid mapping…). */
export class ConfigurationError extends IonfluxError {
  constructor(message: string, options: { code?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(options.code ?? 'configuration_error', message, { status: 500, ...options });
  }
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Seconds a caller is told to wait after a 503 that names no wait of its own: a dependency was down or
 * too slow for the request's deadline, and an immediate retry may well succeed.
 */
export const DEFAULT_RETRY_AFTER_S = 1;

/** The Retry-After header of a 503. */
export const retryAfter = (seconds: number = DEFAULT_RETRY_AFTER_S): Record<string, string> => ({ 'retry-after': String(Math.max(1, Math.ceil(seconds))) });

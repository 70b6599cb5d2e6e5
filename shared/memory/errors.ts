/**
 * Errors of the vector memory service. Each carries its HTTP status and a message for the caller
 * (internal routes: secret names and configuration may be named), and a `cause` for the logs.
 */
import { IonfluxError } from '../errors';

/** The request itself is wrong (400): a namespace, a filter, metadata, a dimension… */
export class MemoryRequestError extends IonfluxError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 400, ...(details ? { details } : {}) });
  }
}

/** An index that does not exist (404). */
export class IndexNotFoundError extends IonfluxError {
  constructor(index: string, hint: string) {
    super('index_not_found', `vector index "${index}" does not exist${hint ? `; ${hint}` : ''}`, { status: 404, details: { index } });
  }
}

/** Creating an index whose name is taken (409). */
export class IndexExistsError extends IonfluxError {
  constructor(index: string, cause?: unknown) {
    super('index_exists', `vector index "${index}" already exists`, { status: 409, details: { index }, cause });
  }
}

/** The backend (Pinecone) could not do it: unavailable after retries (503, Retry-After), refused our key (502), rejected the call (400). */
export class VectorStoreError extends IonfluxError {
  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; retryAfterS?: number } = {},
  ) {
    super(code, message, {
      status,
      ...(options.details ? { details: options.details } : {}),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
      ...(options.retryAfterS !== undefined ? { headers: { 'retry-after': String(Math.max(1, Math.ceil(options.retryAfterS))) } } : {}),
    });
  }
}

/** A namespace's turn did not come before the deadline (the pacer kept it waiting behind others). */
export class PacingTimeoutError extends VectorStoreError {
  constructor(what: string) {
    super(503, 'memory_busy', `${what} could not be sent before the deadline: this namespace has too much in flight; retry shortly`, { retryAfterS: 1 });
  }
}

import { IonfluxError, retryAfter } from '../errors';

/** A conditional write found the item in another state than required. Callers decide what that means. */
export class ConditionFailedError extends IonfluxError {
  constructor(table: string, cause?: unknown) {
    super('condition_failed', `conditional write on table ${table} did not match the stored item`, { status: 409, cause });
  }
}

/** The table could not be read or written (an outage, throttling, the request's deadline): retryable. */
export class StorageError extends IonfluxError {
  constructor(table: string, operation: string, cause: unknown) {
    super('storage_unavailable', `table ${table}: ${operation} failed`, { status: 503, cause, details: { table, operation }, headers: retryAfter() });
  }
}

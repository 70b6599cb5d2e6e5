import { IonfluxError } from '../errors';

/**
 * Workspace ids appear in Kafka topic names (`ionflux.shopify.ws_<id>.…`) and Secrets Manager paths, so
 * they are restricted to characters legal and unambiguous in both: letters, digits, `_` and `-`.
 */
export const WORKSPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class InvalidWorkspaceIdError extends IonfluxError {
  constructor(value: unknown) {
    super('invalid_workspace_id', `workspace_id must be 1–64 letters, digits, "_" or "-" (got ${JSON.stringify(value)})`, {
      status: 400,
    });
  }
}

export function assertWorkspaceId(value: unknown): string {
  if (typeof value !== 'string' || !WORKSPACE_ID.test(value)) throw new InvalidWorkspaceIdError(value);
  return value;
}

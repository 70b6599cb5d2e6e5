import { ConfigurationError, IonfluxError, retryAfter } from '../errors';

/** The secret does not exist (or has no value yet). The message names it, never its value. */
export class SecretNotFoundError extends ConfigurationError {
  constructor(secretName: string, hint?: string) {
    super(`secret ${secretName} is not configured${hint ? `: ${hint}` : ''}`, {
      code: 'secret_not_configured',
      details: { secret: secretName },
    });
  }
}

export class SecretMalformedError extends ConfigurationError {
  constructor(secretName: string, problem: string) {
    super(`secret ${secretName} ${problem}`, { code: 'secret_malformed', details: { secret: secretName } });
  }
}

/** A workspace mapping that points outside `<root>/workspaces/<workspace_id>/`. */
export class SecretMappingRefusedError extends IonfluxError {
  constructor(workspaceId: string, label: string, secretName: string, allowedPrefix: string) {
    super(
      'secret_mapping_refused',
      `workspace ${workspaceId} maps "${label}" to ${secretName}, which is outside its own prefix ${allowedPrefix}`,
      { status: 403, details: { workspace_id: workspaceId, label, secret: secretName, allowed_prefix: allowedPrefix } },
    );
  }
}

export class SecretStoreError extends IonfluxError {
  constructor(operation: string, secretName: string, cause: unknown) {
    super('secret_store_unavailable', `secret store: ${operation} ${secretName} failed`, {
      status: 503,
      cause,
      details: { secret: secretName },
      headers: retryAfter(),
    });
  }
}

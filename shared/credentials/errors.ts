/** Errors of the niche-service credentials and the credential broker. */
import { IonfluxError } from '../errors';

export class InvalidCredentialError extends IonfluxError {
  constructor(label: string, problems: string[], expected?: Record<string, unknown>) {
    super('invalid_credential', `credential "${label}" is invalid: ${problems.join('; ')}`, {
      status: 400,
      details: { label, problems, ...(expected ? { expected } : {}) },
    });
  }
}

export class CredentialNotFoundError extends IonfluxError {
  constructor(workspaceId: string, label: string) {
    super('credential_not_found', `workspace ${workspaceId} has no credential "${label}"`, { status: 404, details: { workspace_id: workspaceId, label } });
  }
}

/** Labels an agent asked for that its registration does not declare in required_credentials. */
export class CredentialNotDeclaredError extends IonfluxError {
  constructor(agentId: string, labels: string[], declared: string[]) {
    super(
      'credential_not_declared',
      `agent ${agentId} has not declared ${labels.map((l) => `"${l}"`).join(', ')} in its required_credentials (declared: ${declared.length ? declared.join(', ') : 'none'})`,
      { status: 403, details: { agent_id: agentId, labels, declared } },
    );
  }
}

/** Declared labels the workspace has not stored; names what to store. */
export class CredentialNotConfiguredError extends IonfluxError {
  constructor(workspaceId: string, labels: string[], hints: Record<string, { service: string; fields: Record<string, string>; store_with: string }>) {
    super(
      'credential_not_configured',
      `workspace ${workspaceId} has not configured ${labels.map((l) => `"${l}"`).join(', ')}: ${labels.map((l) => hints[l]!.store_with).join('; ')}`,
      { status: 404, details: { workspace_id: workspaceId, labels, expected: hints } },
    );
  }
}

/**
 * The credential broker (`POST /v1/credentials/resolve`): AgentService asks, for one execution of one
 * agent, for credentials by label. Only labels the agent's registration declares in
 * `required_credentials` are handed out (else 403 credential_not_declared), only from secrets under the
 * workspace's own prefix that its generic_secrets_config_json maps (never platform keys, never the
 * platform's connection tokens; else 404 credential_not_configured naming what to store). Every
 * resolution, granted or refused, is audited first as `platform.credential.accessed` on
 * `ionflux.platform.credential_access` — labels, secret names, agent, execution, never values — and
 * nothing is handed out unless that audit event was accepted (Kafka, else the outbox).
 */
import * as z from 'zod/mini';
import '../zod-messages';
import type { AgentRegistration } from '../agents/registration';
import { AGENT_ID } from '../agents/registration';
import type { RegistrationStore } from '../agents/registration-store';
import { AgentNotRegisteredError } from '../agents/errors';
import { IonfluxError } from '../errors';
import { createPlatformEvent } from '../events/platform-event';
import type { EventPublisher } from '../events/publisher';
import { topics } from '../events/topics';
import { validate } from '../http/json-body';
import { isUnderWorkspacePrefix, SECRET_LABEL, workspaceSecretPrefix } from '../secrets/names';
import { SecretMappingRefusedError } from '../secrets/errors';
import type { SecretResolver } from '../secrets/secret-resolver';
import type { WorkspaceDirectory } from '../workspaces/workspace-directory';
import { WORKSPACE_ID } from '../workspaces/workspace-id';
import { CredentialNotConfiguredError, CredentialNotDeclaredError } from './errors';
import type { WorkspaceCredentials } from './workspace-credentials';

export const ResolveRequestSchema = z.strictObject({
  workspace_id: z.string().check(z.regex(WORKSPACE_ID, 'must be 1–64 letters, digits, "_" or "-"')),
  agent_id: z.string().check(z.regex(AGENT_ID, 'must be 1–64 lower-case letters, digits or "_"')),
  execution_id: z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits, ".", "_", ":" or "-"')),
  labels: z.array(z.string().check(z.regex(SECRET_LABEL, 'labels are 1–64 lower-case letters, digits, "_", "." or "-"'))).check(z.minLength(1), z.maxLength(50)),
});
export type ResolveRequest = z.infer<typeof ResolveRequestSchema>;

/** How long AgentService may keep what it was handed (it must not cache credentials longer). */
export const GRANT_TTL_MS = 15 * 60_000;
/** A value stored a moment ago reaches agents within this (the broker's secret cache age). */
export const BROKER_SECRET_MAX_AGE_MS = 30_000;

export const CREDENTIAL_ACCESS_EVENT = 'platform.credential.accessed';

export interface BrokerDeps {
  registrations: Pick<RegistrationStore, 'get'>;
  workspaces: Pick<WorkspaceDirectory, 'get'>;
  secrets: Pick<SecretResolver, 'read'>;
  credentials: Pick<WorkspaceCredentials, 'storeHint'>;
  publisher: Pick<EventPublisher, 'publish'>;
  secretRoot: string;
  clock?: () => number;
}

export interface ResolveContext {
  deadline: number;
  requestId: string;
  /** IAM caller ARN, when API Gateway authorised the call with IAM. */
  callerArn?: string;
}

export interface ResolvedCredentials {
  credentials: Record<string, Record<string, unknown>>;
  expires_at: string;
}

interface Audit {
  outcome: 'granted' | 'refused';
  reason?: string;
  granted: string[];
  secret_names: Record<string, string>;
}

export class CredentialBroker {
  constructor(private readonly deps: BrokerDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  private async audit(request: ResolveRequest, audit: Audit, context: ResolveContext): Promise<void> {
    const event = createPlatformEvent({
      idParts: ['credential-access', context.requestId, request.execution_id],
      eventType: CREDENTIAL_ACCESS_EVENT,
      workspaceId: request.workspace_id,
      source: 'credential-broker',
      timestamp: new Date(this.now()),
      payload: {
        agent_id: request.agent_id,
        execution_id: request.execution_id,
        labels: request.labels,
        outcome: audit.outcome,
        reason: audit.reason ?? null,
        granted_labels: audit.granted,
        secret_names: audit.secret_names,
        request_id: context.requestId,
        caller: context.callerArn ?? null,
      },
    });
    await this.deps.publisher.publish([{ topic: topics.platform('credential_access'), key: request.workspace_id, event }], { deadline: context.deadline });
  }

  /** Refuses with `error` after auditing the refusal (an audit that cannot be written turns it into a 503). */
  private async refuse(request: ResolveRequest, error: IonfluxError, context: ResolveContext, secretNames: Record<string, string> = {}): Promise<never> {
    await this.audit(request, { outcome: 'refused', reason: error.code, granted: [], secret_names: secretNames }, context);
    throw error;
  }

  async resolve(body: unknown, context: ResolveContext): Promise<ResolvedCredentials> {
    const request = validate(body, ResolveRequestSchema, 'invalid_body');
    const labels = [...new Set(request.labels)];
    const [registration, workspace] = await Promise.all([
      this.deps.registrations.get(request.workspace_id, request.agent_id),
      this.deps.workspaces.get(request.workspace_id, { fresh: true }),
    ]);
    if (!registration) return this.refuse(request, new AgentNotRegisteredError(request.workspace_id, request.agent_id), context);
    const undeclared = labels.filter((l) => !(registration as AgentRegistration).required_credentials.includes(l));
    if (undeclared.length) return this.refuse(request, new CredentialNotDeclaredError(request.agent_id, undeclared, registration.required_credentials), context);

    const mapping = workspace?.settings.generic_secrets_config_json ?? {};
    const names: Record<string, string> = {};
    for (const label of labels) if (mapping[label] !== undefined) names[label] = mapping[label]!;
    const { secretRoot } = this.deps;
    const outside = labels.find((l) => names[l] !== undefined && !isUnderWorkspacePrefix(secretRoot, request.workspace_id, names[l]!));
    if (outside) {
      const error = new SecretMappingRefusedError(request.workspace_id, outside, names[outside]!, workspaceSecretPrefix(secretRoot, request.workspace_id));
      return this.refuse(request, error, context, names);
    }
    const values = await Promise.all(labels.map((l) => (names[l] === undefined ? undefined : this.deps.secrets.read(names[l]!, { maxAgeMs: BROKER_SECRET_MAX_AGE_MS }))));
    const missing = labels.filter((_, i) => values[i] === undefined);
    if (missing.length) {
      const hints = Object.fromEntries(missing.map((l) => [l, this.deps.credentials.storeHint(request.workspace_id, l)]));
      return this.refuse(request, new CredentialNotConfiguredError(request.workspace_id, missing, hints), context, names);
    }
    await this.audit(request, { outcome: 'granted', granted: labels, secret_names: names }, context);
    return {
      credentials: Object.fromEntries(labels.map((l, i) => [l, values[i]!])),
      expires_at: new Date(this.now() + GRANT_TTL_MS).toISOString(),
    };
  }
}

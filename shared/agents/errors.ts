/** Errors of agent registrations, outputs and trigger dispatch. */
import { IonfluxError } from '../errors';

export class InvalidRegistrationError extends IonfluxError {
  constructor(problems: string[]) {
    super('invalid_registration', `agent registration is invalid: ${problems.join('; ')}`, { status: 400, details: { problems } });
  }
}

/** An unofficial method without `acknowledged: true`, or without a `strategic_integrations_text` describing it. */
export class UnofficialMethodsNotAcknowledgedError extends IonfluxError {
  constructor(problems: string[]) {
    super(
      'unofficial_methods_not_acknowledged',
      `unofficial methods must be acknowledged and documented: ${problems.join('; ')}`,
      { status: 400, details: { problems } },
    );
  }
}

export class InvalidAgentIdError extends IonfluxError {
  constructor(value: unknown) {
    super('invalid_agent_id', `agent_id must be 1–64 lower-case letters, digits or "_" (it is part of Kafka topic names; got ${JSON.stringify(value)})`, {
      status: 400,
    });
  }
}

export class AgentNotRegisteredError extends IonfluxError {
  constructor(workspaceId: string, agentId: string) {
    super('agent_not_registered', `agent ${agentId} is not registered in workspace ${workspaceId}`, {
      status: 404,
      details: { workspace_id: workspaceId, agent_id: agentId },
    });
  }
}

export class UndeclaredOutputError extends IonfluxError {
  constructor(agentId: string, eventType: string, declared: string[]) {
    super(
      'undeclared_output',
      `agent ${agentId} has not declared an output of event type ${eventType} (declared: ${declared.length ? declared.join(', ') : 'none'}); add {"type":"event","target_event_type":"${eventType}"} to its outputs_config_json_array`,
      { status: 403, details: { agent_id: agentId, event_type: eventType, declared } },
    );
  }
}

/** AgentService is not configured (`<root>/platform/agent-service` has no base_url, or a malformed one). */
export class AgentServiceConfigError extends IonfluxError {
  constructor(secretName: string, problem: string) {
    super('agent_service_not_configured', `secret ${secretName} ${problem}`, { status: 500, details: { secret: secretName } });
  }
}

/**
 * The agent registry: registrations of a workspace's agents (PUT/GET/DELETE
 * /v1/agents/workspaces/{workspace_id}/agents/{agent_id}) and what is derived from them — the workspace's
 * `active_kafka_topics_list`, recomputed after every change (never hand-edited).
 */
import { topics } from '../events/topics';
import { moduleLogger } from '../observability/logger';
import type { WorkspaceDirectory } from '../workspaces/workspace-directory';
import { assertWorkspaceId } from '../workspaces/workspace-id';
import { AgentNotRegisteredError } from './errors';
import { type AgentRegistration, assertAgentId, declaredOutputTypes, isEventStreamTrigger, parseRegistration } from './registration';
import type { RegistrationStore } from './registration-store';

const log = moduleLogger('agents');

/**
 * The topics relevant to a workspace given its registrations: every topic a trigger names, and the
 * output topic of every agent that declares event outputs. Sorted, without duplicates.
 */
export function activeTopics(registrations: readonly AgentRegistration[]): string[] {
  const found = new Set<string>();
  for (const registration of registrations) {
    for (const trigger of registration.triggers_config_json_array) if (isEventStreamTrigger(trigger)) for (const topic of trigger.topics ?? []) found.add(topic);
    if (declaredOutputTypes(registration).length) found.add(topics.agentOutputs(registration.agent_id, registration.workspace_id));
  }
  return [...found].sort();
}

export interface AgentRegistryDeps {
  store: RegistrationStore;
  workspaces: Pick<WorkspaceDirectory, 'setActiveTopics'>;
  clock?: () => number;
}

export class AgentRegistry {
  constructor(private readonly deps: AgentRegistryDeps) {}

  private now(): string {
    return new Date((this.deps.clock ?? Date.now)()).toISOString();
  }

  /** Creates or replaces a registration after validating it; `created` tells which. */
  async register(workspaceId: string, agentId: string, body: unknown): Promise<{ registration: AgentRegistration; created: boolean }> {
    assertWorkspaceId(workspaceId);
    assertAgentId(agentId);
    const input = parseRegistration(workspaceId, agentId, body);
    for (let attempt = 1; ; attempt++) {
      const existing = await this.deps.store.get(workspaceId, agentId);
      const now = this.now();
      const registration: AgentRegistration = {
        workspace_id: workspaceId,
        agent_id: agentId,
        ...input,
        created_at: existing?.created_at ?? now,
        updated_at: now,
        revision: (existing?.revision ?? 0) + 1,
      };
      if (await this.deps.store.put(registration, existing?.revision)) {
        await this.refreshActiveTopics(workspaceId);
        log.info('agent registered', { workspace_id: workspaceId, agent_id: agentId, revision: registration.revision, created: !existing });
        return { registration, created: !existing };
      }
      // Another writer changed it between our read and write: apply ours on top of theirs.
      if (attempt >= 5) throw new Error(`registration of ${agentId} in ${workspaceId} kept changing under us`);
    }
  }

  async get(workspaceId: string, agentId: string): Promise<AgentRegistration> {
    assertWorkspaceId(workspaceId);
    assertAgentId(agentId);
    const registration = await this.deps.store.get(workspaceId, agentId);
    if (!registration) throw new AgentNotRegisteredError(workspaceId, agentId);
    return registration;
  }

  async list(workspaceId: string): Promise<AgentRegistration[]> {
    assertWorkspaceId(workspaceId);
    return this.deps.store.list(workspaceId);
  }

  async remove(workspaceId: string, agentId: string): Promise<void> {
    assertWorkspaceId(workspaceId);
    assertAgentId(agentId);
    if (!(await this.deps.store.delete(workspaceId, agentId))) throw new AgentNotRegisteredError(workspaceId, agentId);
    await this.refreshActiveTopics(workspaceId);
    log.info('agent registration deleted', { workspace_id: workspaceId, agent_id: agentId });
  }

  /** Recomputes active_kafka_topics_list from the registrations as of the current version. */
  async refreshActiveTopics(workspaceId: string): Promise<string[]> {
    const version = await this.deps.store.version(workspaceId);
    const list = activeTopics(await this.deps.store.list(workspaceId));
    await this.deps.workspaces.setActiveTopics(workspaceId, list, version);
    return list;
  }
}

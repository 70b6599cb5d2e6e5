/**
 * Agent registrations on the `agent-registrations` table: one item per agent (pk workspace, sk
 * `agent#<agent_id>`, the registration as JSON text in `doc`), and one counter per workspace (sk `#meta`)
 * incremented in the same transaction as every change — the version the derived
 * `active_kafka_topics_list` is computed at.
 */
import { ConditionFailedError } from '../storage/errors';
import { type Table, type TableItem, when } from '../storage/table';
import type { AgentRegistration } from './registration';

const AGENT_SK = 'agent#';
const META_SK = '#meta';

const agentKey = (workspaceId: string, agentId: string) => ({ pk: workspaceId, sk: `${AGENT_SK}${agentId}` });

const fromItem = (item: TableItem): AgentRegistration => JSON.parse(item.doc as string) as AgentRegistration;

export class RegistrationStore {
  constructor(private readonly table: Table) {}

  async get(workspaceId: string, agentId: string): Promise<AgentRegistration | undefined> {
    const item = await this.table.get(agentKey(workspaceId, agentId));
    return item ? fromItem(item) : undefined;
  }

  /** Every registration of a workspace, ordered by agent id. */
  async list(workspaceId: string): Promise<AgentRegistration[]> {
    return (await this.table.query(workspaceId, { skBeginsWith: AGENT_SK })).map(fromItem);
  }

  /** The workspace's change counter (0 before the first registration). */
  async version(workspaceId: string): Promise<number> {
    const meta = await this.table.get({ pk: workspaceId, sk: META_SK });
    return typeof meta?.version === 'number' ? meta.version : 0;
  }

  /**
   * Writes `registration` if the stored one still has `expectedRevision` (undefined: none is stored);
   * false when another writer got there first.
   */
  async put(registration: AgentRegistration, expectedRevision: number | undefined): Promise<boolean> {
    const key = agentKey(registration.workspace_id, registration.agent_id);
    try {
      await this.table.transactWrite([
        {
          put: { ...key, doc: JSON.stringify(registration), revision: registration.revision, updated_at: registration.updated_at },
          condition: expectedRevision === undefined ? when.absent() : when.equals('revision', expectedRevision),
        },
        { update: { pk: registration.workspace_id, sk: META_SK }, spec: { add: { version: 1 } } },
      ]);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** Deletes the registration; false when there was none. */
  async delete(workspaceId: string, agentId: string): Promise<boolean> {
    try {
      await this.table.transactWrite([
        // Only an existing registration: its sort key equals itself exactly when the item is there.
        { delete: agentKey(workspaceId, agentId), condition: when.equals('sk', agentKey(workspaceId, agentId).sk) },
        { update: { pk: workspaceId, sk: META_SK }, spec: { add: { version: 1 } } },
      ]);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}

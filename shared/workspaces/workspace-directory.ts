/**
 * The workspace directory: settings the platform keeps current for each workspace (through
 * `PUT /v1/workspaces/{workspace_id}/settings`, or an operator through `ionflux workspaces set`).
 * At least `generic_secrets_config_json`: labels (`openai`, `sendgrid`, …) mapped to secret names, which
 * must lie under the workspace's own `<root>/workspaces/<workspace_id>/` prefix.
 */
import type { Table } from '../storage/table';
import type * as Settings from './settings';
import { assertWorkspaceId } from './workspace-id';

export interface WorkspaceSettings {
  /** label → Secrets Manager secret name. */
  generic_secrets_config_json: Record<string, string>;
  /** Topics relevant to this workspace (seed §8); informational. */
  active_kafka_topics_list?: string[];
}

export interface WorkspaceRecord {
  workspace_id: string;
  settings: WorkspaceSettings;
  updated_at: string;
}

/** The settings parser (zod) is loaded by the first write: functions that only read settings never evaluate it. */
let settingsModule: typeof Settings | undefined;
const settingsParser = () => (settingsModule ??= require('./settings') as typeof Settings);

export class WorkspaceDirectory {
  private readonly cache = new Map<string, { record: WorkspaceRecord | undefined; until: number }>();

  constructor(
    private readonly table: Table,
    private readonly options: { secretRoot: string; cacheTtlMs?: number; clock?: () => number },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** The workspace's record; cached briefly (settings changes apply within `cacheTtlMs`, default 30 s). */
  async get(workspaceId: string): Promise<WorkspaceRecord | undefined> {
    assertWorkspaceId(workspaceId);
    const cached = this.cache.get(workspaceId);
    if (cached && cached.until > this.now()) return cached.record;
    const item = await this.table.get({ pk: workspaceId });
    const record = item ? (item.record as WorkspaceRecord) : undefined;
    this.cache.set(workspaceId, { record, until: this.now() + (this.options.cacheTtlMs ?? 30_000) });
    return record;
  }

  /** Replaces the workspace's settings after validating them. */
  async putSettings(workspaceId: string, input: unknown): Promise<WorkspaceRecord> {
    assertWorkspaceId(workspaceId);
    const settings = settingsParser().parseWorkspaceSettings(this.options.secretRoot, workspaceId, input);
    const record: WorkspaceRecord = { workspace_id: workspaceId, settings, updated_at: new Date(this.now()).toISOString() };
    await this.table.put({ pk: workspaceId, record });
    this.cache.delete(workspaceId);
    return record;
  }

  async list(): Promise<WorkspaceRecord[]> {
    return (await this.table.scan()).map((item) => item.record as WorkspaceRecord);
  }
}

/**
 * The workspace directory: settings the platform keeps current for each workspace (through
 * `PUT /v1/workspaces/{workspace_id}/settings`, or an operator through `ionflux workspaces set`).
 * At least `generic_secrets_config_json`: labels (`openai`, `sendgrid`, …) mapped to secret names, which
 * must lie under the workspace's own `<root>/workspaces/<workspace_id>/` prefix.
 */
import { ConditionFailedError } from '../storage/errors';
import { type Condition, type Table, type TableItem, when } from '../storage/table';
import type * as Settings from './settings';
import { assertWorkspaceId } from './workspace-id';

export interface WorkspaceSettings {
  /** label → Secrets Manager secret name. */
  generic_secrets_config_json: Record<string, string>;
  /**
   * Topics relevant to this workspace (seed §8): derived from its agent registrations (the topics their
   * triggers name and their output topics) and kept current by them; a value sent with the settings is
   * not stored.
   */
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

  /**
   * The workspace's record; cached briefly (settings changes apply within `cacheTtlMs`, default 30 s).
   * `fresh: true` reads the table (callers that must see a change made a moment ago elsewhere).
   */
  async get(workspaceId: string, options: { fresh?: boolean } = {}): Promise<WorkspaceRecord | undefined> {
    assertWorkspaceId(workspaceId);
    const cached = this.cache.get(workspaceId);
    if (!options.fresh && cached && cached.until > this.now()) return cached.record;
    const item = await this.table.get({ pk: workspaceId });
    const record = item ? (item.record as WorkspaceRecord) : undefined;
    this.cache.set(workspaceId, { record, until: this.now() + (this.options.cacheTtlMs ?? 30_000) });
    return record;
  }

  /**
   * Read, change, write back — conditional on the item's `revision`, again from the read on a conflict,
   * so concurrent writers (settings, agent registrations, the credentials API) never undo each other.
   * `change` returns the new record, or undefined to leave the item as it is.
   */
  private async mutate(
    workspaceId: string,
    change: (current: WorkspaceRecord | undefined, item: TableItem | undefined) => { record: WorkspaceRecord; attributes?: Record<string, unknown> } | undefined,
  ): Promise<WorkspaceRecord | undefined> {
    assertWorkspaceId(workspaceId);
    for (let attempt = 1; ; attempt++) {
      const item = await this.table.get({ pk: workspaceId });
      const current = item ? (item.record as WorkspaceRecord) : undefined;
      const next = change(current, item);
      if (!next) return current;
      const revision = typeof item?.revision === 'number' ? item.revision : undefined;
      const condition: Condition = !item ? when.absent() : revision === undefined ? when.attrAbsent('revision') : when.equals('revision', revision);
      const { pk: _pk, record: _record, revision: _revision, ...kept } = item ?? { pk: workspaceId };
      try {
        await this.table.put({ ...kept, ...next.attributes, pk: workspaceId, record: next.record, revision: (revision ?? 0) + 1 }, { condition });
        this.cache.delete(workspaceId);
        return next.record;
      } catch (error) {
        if (!(error instanceof ConditionFailedError) || attempt >= 5) throw error;
      }
    }
  }

  private record(workspaceId: string, settings: WorkspaceSettings): WorkspaceRecord {
    return { workspace_id: workspaceId, settings, updated_at: new Date(this.now()).toISOString() };
  }

  /** Replaces the workspace's settings after validating them (the derived active_kafka_topics_list is kept). */
  async putSettings(workspaceId: string, input: unknown): Promise<WorkspaceRecord> {
    assertWorkspaceId(workspaceId);
    const settings = settingsParser().parseWorkspaceSettings(this.options.secretRoot, workspaceId, input);
    delete settings.active_kafka_topics_list;
    return (await this.mutate(workspaceId, (current) => {
      const derived = current?.settings.active_kafka_topics_list;
      return { record: this.record(workspaceId, derived ? { ...settings, active_kafka_topics_list: derived } : settings) };
    }))!;
  }

  /**
   * Maps `label` to `secretName` in generic_secrets_config_json (undefined: removes the mapping), leaving
   * every other setting as it is. The name must lie under the workspace's own prefix.
   */
  async mapSecretLabel(workspaceId: string, label: string, secretName: string | undefined): Promise<WorkspaceRecord | undefined> {
    if (secretName !== undefined) settingsParser().parseWorkspaceSettings(this.options.secretRoot, workspaceId, { generic_secrets_config_json: { [label]: secretName } });
    return this.mutate(workspaceId, (current) => {
      const mapping = { ...(current?.settings.generic_secrets_config_json ?? {}) };
      if (secretName === undefined) {
        if (!(label in mapping)) return undefined;
        delete mapping[label];
      } else {
        if (mapping[label] === secretName) return undefined;
        mapping[label] = secretName;
      }
      return { record: this.record(workspaceId, { ...current?.settings, generic_secrets_config_json: mapping }) };
    });
  }

  /**
   * Sets the derived active_kafka_topics_list, computed from the registrations as of `version` (a counter
   * that grows with every registration change): a list computed from an older version never replaces a
   * newer one.
   */
  async setActiveTopics(workspaceId: string, topics: string[], version: number): Promise<void> {
    await this.mutate(workspaceId, (current, item) => {
      const stored = typeof item?.active_topics_version === 'number' ? item.active_topics_version : -1;
      if (stored >= version) return undefined;
      const settings: WorkspaceSettings = { ...(current?.settings ?? { generic_secrets_config_json: {} }) };
      if (topics.length) settings.active_kafka_topics_list = topics;
      else delete settings.active_kafka_topics_list;
      return { record: this.record(workspaceId, settings), attributes: { active_topics_version: version } };
    });
  }

  async list(): Promise<WorkspaceRecord[]> {
    return (await this.table.scan()).map((item) => item.record as WorkspaceRecord);
  }
}

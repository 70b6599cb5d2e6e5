/**
 * The workspace directory: settings the platform keeps current for each workspace (through
 * `PUT /v1/workspaces/{workspace_id}/settings`, or an operator through `ionflux workspaces set`).
 * At least `generic_secrets_config_json`: labels (`openai`, `sendgrid`, …) mapped to secret names, which
 * must lie under the workspace's own `<root>/workspaces/<workspace_id>/` prefix.
 */
import { isUnderWorkspacePrefix, SECRET_LABEL, workspaceSecretPrefix } from '../secrets/names';
import { ConditionFailedError } from '../storage/errors';
import { type Condition, type Table, type TableItem, when } from '../storage/table';
import { InvalidWorkspaceSettingsError } from './errors';
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

/** Parses and validates settings as the platform sends them; `generic_secrets_config_json` may be a JSON string. */
export function parseWorkspaceSettings(secretRoot: string, workspaceId: string, input: unknown): WorkspaceSettings {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidWorkspaceSettingsError(['settings must be a JSON object']);
  const raw = input as Record<string, unknown>;
  let mapping: unknown = raw.generic_secrets_config_json ?? {};
  if (typeof mapping === 'string') {
    try {
      mapping = JSON.parse(mapping);
    } catch {
      problems.push('generic_secrets_config_json is a string but not valid JSON');
      mapping = {};
    }
  }
  const secrets: Record<string, string> = {};
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    problems.push('generic_secrets_config_json must be an object mapping labels to secret names');
  } else {
    for (const [label, name] of Object.entries(mapping)) {
      if (!SECRET_LABEL.test(label)) {
        problems.push(`label "${label}" must match ${SECRET_LABEL}`);
      } else if (typeof name !== 'string') {
        problems.push(`label "${label}" must map to a secret name (string)`);
      } else if (!isUnderWorkspacePrefix(secretRoot, workspaceId, name)) {
        problems.push(`label "${label}" maps to ${name}, outside this workspace's prefix ${workspaceSecretPrefix(secretRoot, workspaceId)}`);
      } else {
        secrets[label] = name;
      }
    }
  }
  const settings: WorkspaceSettings = { generic_secrets_config_json: secrets };
  if (raw.active_kafka_topics_list !== undefined) {
    const topics = raw.active_kafka_topics_list;
    if (!Array.isArray(topics) || !topics.every((t) => typeof t === 'string')) problems.push('active_kafka_topics_list must be an array of strings');
    else settings.active_kafka_topics_list = topics as string[];
  }
  const known = new Set(['generic_secrets_config_json', 'active_kafka_topics_list']);
  for (const key of Object.keys(raw)) if (!known.has(key)) problems.push(`unknown setting "${key}"`);
  if (problems.length) throw new InvalidWorkspaceSettingsError(problems);
  return settings;
}

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
    const settings = parseWorkspaceSettings(this.options.secretRoot, workspaceId, input);
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
    if (secretName !== undefined) parseWorkspaceSettings(this.options.secretRoot, workspaceId, { generic_secrets_config_json: { [label]: secretName } });
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

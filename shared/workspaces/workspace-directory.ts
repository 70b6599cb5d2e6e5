/**
 * The workspace directory: settings the platform keeps current for each workspace (through
 * `PUT /v1/workspaces/{workspace_id}/settings`, or an operator through `ionflux workspaces set`).
 * At least `generic_secrets_config_json`: labels (`openai`, `sendgrid`, …) mapped to secret names, which
 * must lie under the workspace's own `<root>/workspaces/<workspace_id>/` prefix.
 */
import { isUnderWorkspacePrefix, SECRET_LABEL, workspaceSecretPrefix } from '../secrets/names';
import type { Table } from '../storage/table';
import { InvalidWorkspaceSettingsError } from './errors';
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
    const settings = parseWorkspaceSettings(this.options.secretRoot, workspaceId, input);
    const record: WorkspaceRecord = { workspace_id: workspaceId, settings, updated_at: new Date(this.now()).toISOString() };
    await this.table.put({ pk: workspaceId, record });
    this.cache.delete(workspaceId);
    return record;
  }

  async list(): Promise<WorkspaceRecord[]> {
    return (await this.table.scan()).map((item) => item.record as WorkspaceRecord);
  }
}

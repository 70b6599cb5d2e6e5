/**
 * Validating workspace settings as the platform sends them (zod, its own messages): the mapping
 * `generic_secrets_config_json` (labels → secret names under the workspace's own prefix; may come as a
 * JSON string, as the seed stores it) and `active_kafka_topics_list` (Kafka topic names, bounded; checked
 * though not stored: the directory derives the stored list from the agent registrations). Unknown
 * settings are refused, `__proto__` included. Loaded only by writers (workspace-directory.ts requires it on
 * the first write), so the functions that merely read settings never evaluate zod.
 */
import * as z from 'zod/mini';
import '../zod-messages';
import { MAX_TOPIC_LENGTH, validateTopicName } from '../events/topics';
import { isUnderWorkspacePrefix, SECRET_LABEL, workspaceSecretPrefix } from '../secrets/names';
import { InvalidWorkspaceSettingsError } from './errors';
import type { WorkspaceSettings } from './workspace-directory';

/** Most topics a workspace may list (the seed's families give a few dozen per workspace). */
export const MAX_ACTIVE_TOPICS = 500;

const isTopicName = (value: string): boolean => {
  try {
    validateTopicName(value);
    return true;
  } catch {
    return false;
  }
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The settings schema for one workspace (its secret prefix is part of the rules). `generic_secrets_config_json`
 * may come as a JSON string (the seed stores it as text). Unknown settings are refused, `__proto__` included:
 * a key JSON.parse keeps as data, and that copying into an object would silently drop.
 */
function settingsSchema(secretRoot: string, workspaceId: string) {
  const prefix = workspaceSecretPrefix(secretRoot, workspaceId);
  const mapping = z.pipe(
    z.transform((value: unknown, ctx) => {
      let parsed = value;
      if (typeof value === 'string') {
        try {
          parsed = JSON.parse(value) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', message: 'is a string but not valid JSON', input: value });
          return z.NEVER;
        }
      }
      if (isPlainObject(parsed) && Object.hasOwn(parsed, '__proto__')) {
        ctx.issues.push({ code: 'custom', message: `label "__proto__" must match ${SECRET_LABEL}`, input: value });
        return z.NEVER;
      }
      return parsed;
    }),
    z.record(
      z.string().check(z.regex(SECRET_LABEL, { error: (issue) => `label "${String(issue.input)}" must match ${SECRET_LABEL}` })),
      z.string().check(
        z.refine((name) => isUnderWorkspacePrefix(secretRoot, workspaceId, name), { error: (issue) => `maps to ${String(issue.input)}, outside this workspace's prefix ${prefix}` }),
      ),
    ),
  );
  const topic = z.string().check(
    z.refine(isTopicName, { error: (issue) => `${JSON.stringify(issue.input)} is not a Kafka topic name (1–${MAX_TOPIC_LENGTH} letters, digits, ".", "_", "-"; not "." or "..")` }),
  );
  return z.strictObject({
    generic_secrets_config_json: z.optional(mapping),
    active_kafka_topics_list: z.optional(z.array(topic).check(z.maxLength(MAX_ACTIVE_TOPICS))),
  });
}

/** Parses and validates settings as the platform sends them; every problem is named (zod's messages). */
export function parseWorkspaceSettings(secretRoot: string, workspaceId: string, input: unknown): WorkspaceSettings {
  if (!isPlainObject(input)) throw new InvalidWorkspaceSettingsError(['settings must be a JSON object']);
  const result = settingsSchema(secretRoot, workspaceId).safeParse(input);
  if (!result.success) throw new InvalidWorkspaceSettingsError(result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(settings)'}: ${issue.message}`));
  const settings: WorkspaceSettings = { generic_secrets_config_json: result.data.generic_secrets_config_json ?? {} };
  if (result.data.active_kafka_topics_list !== undefined) settings.active_kafka_topics_list = result.data.active_kafka_topics_list;
  return settings;
}


/**
 * The PlatformEvent schema (zod) for what is read back from Kafka: consumers validate every record before
 * a handler sees it. Producers never load it (see platform-event.ts).
 */
import * as z from 'zod/mini';
import '../zod-messages';
import { WORKSPACE_ID } from '../workspaces/workspace-id';
import { InvalidPlatformEventError } from './errors';
import { EVENT_ID, EVENT_TYPE, FIELD_RULES, type PlatformEvent, SCHEMA_VERSION } from './platform-event';

export const PlatformEventSchema = z.strictObject({
  event_id: z.string().check(z.regex(EVENT_ID, 'must be a UUID')),
  event_type: z.string().check(z.regex(EVENT_TYPE, FIELD_RULES.event_type)),
  timestamp: z.iso.datetime({ offset: true }),
  source_service_name: z.string().check(z.minLength(1), z.maxLength(128)),
  workspace_id: z.string().check(z.regex(WORKSPACE_ID, FIELD_RULES.workspace_id)),
  payload_schema_version: z.string().check(z.regex(SCHEMA_VERSION, FIELD_RULES.payload_schema_version)),
  payload_json: z.record(z.string(), z.unknown()),
});

// The schema and the interface describe the same object, field for field.
type Same<A, B> = [A, keyof A] extends [B, keyof B] ? ([B, keyof B] extends [A, keyof A] ? true : false) : false;
const schemaMatchesInterface: Same<z.infer<typeof PlatformEventSchema>, PlatformEvent> = true;
void schemaMatchesInterface;

export function validatePlatformEvent(value: unknown): PlatformEvent {
  const result = PlatformEventSchema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidPlatformEventError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}

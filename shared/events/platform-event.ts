/**
 * PlatformEvent (seed §8): the one envelope on every Kafka topic.
 * `event_id` is derived from the upstream event's own id, so a redelivery yields the same id and
 * consumers can de-duplicate on it.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import '../zod-messages';
import { WORKSPACE_ID } from '../workspaces/workspace-id';
import { InvalidPlatformEventError } from './errors';

export const EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

export const PlatformEventSchema = z.strictObject({
  event_id: z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a UUID')),
  event_type: z.string().check(z.regex(EVENT_TYPE, 'must be dot-separated lower-case words, e.g. shopify.orders.created')),
  timestamp: z.iso.datetime({ offset: true }),
  source_service_name: z.string().check(z.minLength(1), z.maxLength(128)),
  workspace_id: z.string().check(z.regex(WORKSPACE_ID, 'must be 1–64 letters, digits, "_" or "-"')),
  payload_schema_version: z.string().check(z.regex(/^\d+(\.\d+)*$/, 'must be a version like "1" or "1.0"')),
  payload_json: z.record(z.string(), z.unknown()),
});

export type PlatformEvent = z.infer<typeof PlatformEventSchema>;

export function validatePlatformEvent(value: unknown): PlatformEvent {
  const result = PlatformEventSchema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidPlatformEventError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}

// RFC 4122 name-based (version 5, SHA-1) UUIDs in our own namespace.
const NAMESPACE = Buffer.from('6f1c7a52f0b84a3c9a7e5f1d2c3b4a59', 'hex');

/** A stable UUID for an upstream event: the same `parts` always give the same id. */
export function deterministicEventId(...parts: string[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(parts.join('\u001f')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface NewEvent {
  /** Upstream identity of the event (e.g. provider + delivery/event id); hashed into event_id. */
  idParts: string[];
  eventType: string;
  workspaceId: string;
  source: string;
  payload: Record<string, unknown>;
  schemaVersion?: string;
  timestamp?: Date;
}

export function createPlatformEvent(input: NewEvent): PlatformEvent {
  return validatePlatformEvent({
    event_id: deterministicEventId(input.eventType, ...input.idParts),
    event_type: input.eventType,
    timestamp: (input.timestamp ?? new Date()).toISOString(),
    source_service_name: input.source,
    workspace_id: input.workspaceId,
    payload_schema_version: input.schemaVersion ?? '1',
    payload_json: input.payload,
  });
}

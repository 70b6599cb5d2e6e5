/**
 * PlatformEvent (seed §8): the one envelope on every Kafka topic.
 * `event_id` is derived from the upstream event's own id, so a redelivery yields the same id and
 * consumers can de-duplicate on it. Producing needs no schema library: what is read back from Kafka is
 * validated by `platform-event-schema.ts` (zod), which only consumers load.
 */
import { hash } from 'node:crypto';
import { WORKSPACE_ID } from '../workspaces/workspace-id';
import { InvalidPlatformEventError } from './errors';

export interface PlatformEvent {
  event_id: string;
  event_type: string;
  /** ISO 8601 with offset. */
  timestamp: string;
  source_service_name: string;
  workspace_id: string;
  payload_schema_version: string;
  payload_json: Record<string, unknown>;
}

export const EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;
export const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const SCHEMA_VERSION = /^\d+(\.\d+)*$/;

/** What each field must be: one wording for events we create and for the schema that reads them back. */
export const FIELD_RULES = {
  event_type: 'must be dot-separated lower-case words, e.g. shopify.orders.created',
  workspace_id: 'must be 1–64 letters, digits, "_" or "-"',
  payload_schema_version: 'must be a version like "1" or "1.0"',
  source_service_name: 'must be 1–128 characters',
} as const;

// RFC 4122 name-based (version 5, SHA-1) UUIDs in our own namespace.
const NAMESPACE = Buffer.from('6f1c7a52f0b84a3c9a7e5f1d2c3b4a59', 'hex');

/** A stable UUID for an upstream event: the same `parts` always give the same id. */
export function deterministicEventId(...parts: string[]): string {
  // One-shot hash to hex: a fraction of the cost of a Hash object and a Buffer for inputs this small.
  const sha1 = hash('sha1', Buffer.concat([NAMESPACE, Buffer.from(parts.join('\u001f'), 'utf8')]), 'hex');
  // Version 5 in the high nibble of byte 6; the RFC 4122 variant (10xx) in the high bits of byte 8.
  const variant = ((parseInt(sha1[16]!, 16) & 0x3) | 0x8).toString(16);
  const hex = `${sha1.slice(0, 12)}5${sha1.slice(13, 16)}${variant}${sha1.slice(17, 32)}`;
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

const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * True for an instant (epoch ms) in the years 0000–9999: toISOString writes others as ±YYYYYY-…, which
 * ISO 8601 datetimes (and the schema) refuse.
 */
export const isEventTime = (ms: number): boolean => ms >= MIN_TIME && ms <= MAX_TIME;

/** What the schema's record accepts: an object made by `{…}`, JSON.parse or Object.create(null). */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A new event from our own code. The id and timestamp are made here (a UUID, an ISO instant), so only
 * the caller's fields are checked — the same rules as the schema, without a schema parse and a copy of
 * the payload on every webhook. Events read from Kafka go through `validatePlatformEvent`
 * (platform-event-schema.ts).
 */
export function createPlatformEvent(input: NewEvent): PlatformEvent {
  const schemaVersion = input.schemaVersion ?? '1';
  const time = input.timestamp ?? new Date();
  const problems: string[] = [];
  if (typeof input.eventType !== 'string' || !EVENT_TYPE.test(input.eventType)) problems.push(`event_type: ${FIELD_RULES.event_type}`);
  if (typeof input.workspaceId !== 'string' || !WORKSPACE_ID.test(input.workspaceId)) problems.push(`workspace_id: ${FIELD_RULES.workspace_id}`);
  if (typeof input.source !== 'string' || input.source.length < 1 || input.source.length > 128) problems.push(`source_service_name: ${FIELD_RULES.source_service_name}`);
  if (typeof schemaVersion !== 'string' || !SCHEMA_VERSION.test(schemaVersion)) problems.push(`payload_schema_version: ${FIELD_RULES.payload_schema_version}`);
  if (!(time instanceof Date) || !isEventTime(time.getTime())) problems.push('timestamp: must be a date in the years 0000–9999');
  if (!isPlainObject(input.payload)) problems.push('payload_json: must be a plain JSON object');
  if (problems.length) throw new InvalidPlatformEventError(problems);
  return {
    event_id: deterministicEventId(input.eventType, ...input.idParts),
    event_type: input.eventType,
    timestamp: time.toISOString(),
    source_service_name: input.source,
    workspace_id: input.workspaceId,
    payload_schema_version: schemaVersion,
    payload_json: input.payload,
  };
}

/**
 * Agent outputs (`POST /v1/events`): a PlatformEvent an agent publishes on
 * `ionflux.agent.{agent_id}.ws_{workspace_id}.outputs` (and, by the publisher, on the agent fan-in that the
 * dispatcher reads), with `source_service_name` `agent:{agent_id}`. Only event types the agent declared
 * as `event` outputs are accepted. Durable like every publisher: Kafka, else the outbox.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import '../zod-messages';
import { badRequest, HttpError } from '../http/errors';
import { validate } from '../http/json-body';
import { createPlatformEvent, EVENT_TYPE, SCHEMA_VERSION } from '../events/platform-event';
import type { EventPublisher } from '../events/publisher';
import { topics } from '../events/topics';
import { WORKSPACE_ID } from '../workspaces/workspace-id';
import { AgentNotRegisteredError, UndeclaredOutputError } from './errors';
import { AGENT_ID, declaredOutputTypes } from './registration';
import type { RegistrationStore } from './registration-store';

/** Largest payload_json, serialised. */
export const MAX_OUTPUT_PAYLOAD_BYTES = 256 * 1024;

export const OutputRequestSchema = z.strictObject({
  workspace_id: z.string().check(z.regex(WORKSPACE_ID, 'must be 1–64 letters, digits, "_" or "-"')),
  agent_id: z.string().check(z.regex(AGENT_ID, 'must be 1–64 lower-case letters, digits or "_"')),
  event_type: z.string().check(z.regex(EVENT_TYPE, 'must be dot-separated lower-case words, e.g. agent.lead.scored')),
  payload_json: z.record(z.string(), z.unknown()),
  payload_schema_version: z.optional(z.string().check(z.regex(SCHEMA_VERSION, 'must be a version like "1" or "1.0"'))),
  /** Kafka key: the entity whose events must stay in order (default: the agent). */
  key: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
});
export type OutputRequest = z.infer<typeof OutputRequestSchema>;

export interface OutputDeps {
  registrations: Pick<RegistrationStore, 'get'>;
  publisher: Pick<EventPublisher, 'publish'>;
}

/**
 * Publishes an agent's output. `idempotencyKey` (the `Idempotency-Key` header) makes the event id
 * stable, so a retried request yields the same event_id (consumers de-duplicate on it).
 */
export async function publishAgentOutput(
  body: unknown,
  deps: OutputDeps,
  options: { deadline: number; idempotencyKey?: string },
): Promise<{ event_id: string; topic: string; delivery: 'kafka' | 'outbox' }> {
  const request = validate(body, OutputRequestSchema, 'invalid_body');
  const bytes = Buffer.byteLength(JSON.stringify(request.payload_json));
  if (bytes > MAX_OUTPUT_PAYLOAD_BYTES) {
    throw new HttpError(413, 'payload_too_large', `payload_json is ${bytes} bytes; the limit is ${MAX_OUTPUT_PAYLOAD_BYTES}`, {
      details: { limit_bytes: MAX_OUTPUT_PAYLOAD_BYTES, actual_bytes: bytes },
    });
  }
  if (options.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(options.idempotencyKey)) {
    throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters');
  }
  const registration = await deps.registrations.get(request.workspace_id, request.agent_id);
  if (!registration) throw new AgentNotRegisteredError(request.workspace_id, request.agent_id);
  const declared = declaredOutputTypes(registration);
  if (!declared.includes(request.event_type)) throw new UndeclaredOutputError(request.agent_id, request.event_type, declared);

  const event = createPlatformEvent({
    idParts: ['agent', request.workspace_id, request.agent_id, options.idempotencyKey ?? randomUUID()],
    eventType: request.event_type,
    workspaceId: request.workspace_id,
    source: `agent:${request.agent_id}`,
    payload: request.payload_json,
    ...(request.payload_schema_version ? { schemaVersion: request.payload_schema_version } : {}),
  });
  const topic = topics.agentOutputs(request.agent_id, request.workspace_id);
  const delivery = await deps.publisher.publish([{ topic, key: request.key ?? request.agent_id, event }], { deadline: options.deadline });
  return { event_id: event.event_id, topic, delivery };
}

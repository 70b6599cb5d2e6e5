/**
 * What AgentService registers for an agent of a workspace (seed §8, §9), validated with zod:
 * - `triggers_config_json_array`: `event_stream` triggers (event types and/or topics of this workspace, an
 *   optional payload filter) that this layer dispatches; other trigger types are kept for AgentService and
 *   ignored here;
 * - `outputs_config_json_array`: `event` outputs name the `target_event_type` the agent may publish;
 * - `required_credentials`: the labels the credential broker may hand to the agent's executions;
 * - `unofficial_methods` + `strategic_integrations_text`: the disclaimer rule — an unofficial method
 *   (scraping, undocumented APIs) must be acknowledged and described, or the registration is refused.
 * Both arrays may also be sent as JSON strings (the seed's `*_json_array` fields often travel that way).
 */
import * as z from 'zod/mini';
import '../zod-messages';
import { EVENT_TYPE, SCHEMA_VERSION } from '../events/platform-event';
import { topics } from '../events/topics';
import { SECRET_LABEL } from '../secrets/names';
import { InvalidAgentIdError, InvalidRegistrationError, UnofficialMethodsNotAcknowledgedError } from './errors';
import { agentTopicProblem } from './trigger-topics';

/** Agent ids are part of topic names (`ionflux.agent.<agent_id>.ws_<workspace>.outputs`). */
export const AGENT_ID = /^[a-z0-9_]{1,64}$/;

export function assertAgentId(value: unknown): string {
  if (typeof value !== 'string' || !AGENT_ID.test(value)) throw new InvalidAgentIdError(value);
  return value;
}

export const LIMITS = {
  triggers: 20,
  outputs: 20,
  eventTypesPerTrigger: 50,
  topicsPerTrigger: 50,
  filterConditions: 16,
  credentials: 50,
  unofficialMethods: 20,
  strategicTextChars: 20_000,
  /** Events in one invocation of AgentService (a trigger may ask for fewer). */
  eventsPerInvocation: 100,
} as const;

/** Event types whose family belongs to a platform source: an agent cannot publish as Shopify, email, … */
export const RESERVED_EVENT_FAMILIES = ['shopify', 'whatsapp', 'tiktok', 'email', 'platform', 'llm'] as const;

/** `shopify.orders.created`, or a prefix wildcard `shopify.orders.*` / `shopify.*`. */
const EVENT_TYPE_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)*\.\*$/;
const isEventTypePattern = (value: string) => EVENT_TYPE.test(value) || EVENT_TYPE_PATTERN.test(value);

/** A dot path into payload_json: `total_price`, `data.customer.email`, `line_items.0.sku`. */
const FILTER_PATH = /^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,15}$/;

const Scalar = z.union([z.string().check(z.maxLength(1024)), z.number(), z.boolean(), z.null()]);
const FilterOps = z
  .strictObject({
    equals: z.optional(Scalar),
    not_equals: z.optional(Scalar),
    in: z.optional(z.array(Scalar).check(z.minLength(1), z.maxLength(100))),
    exists: z.optional(z.boolean()),
    gt: z.optional(z.number()),
    gte: z.optional(z.number()),
    lt: z.optional(z.number()),
    lte: z.optional(z.number()),
    prefix: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
  })
  .check(z.refine((ops) => Object.keys(ops).length > 0, 'a condition object needs at least one of equals, not_equals, in, exists, gt, gte, lt, lte, prefix'));
const FilterCondition = z.union([Scalar, FilterOps]);
export type FilterConditionSpec = z.infer<typeof FilterCondition>;

const PayloadFilter = z
  .record(z.string().check(z.regex(FILTER_PATH, 'filter keys are dot paths into payload_json, e.g. "data.total_price"')), FilterCondition)
  .check(z.refine((f) => Object.keys(f).length <= LIMITS.filterConditions, `at most ${LIMITS.filterConditions} filter conditions`));
export type PayloadFilterSpec = z.infer<typeof PayloadFilter>;

const Text = (max: number) => z.string().check(z.maxLength(max));

export const EventStreamTriggerSchema = z.strictObject({
  type: z.literal('event_stream'),
  name: z.optional(Text(200)),
  description: z.optional(Text(2000)),
  event_types: z.optional(
    z.array(z.string().check(z.refine(isEventTypePattern, 'must be an event type (shopify.orders.created) or a prefix ending in ".*" (shopify.orders.*)'))).check(
      z.maxLength(LIMITS.eventTypesPerTrigger),
    ),
  ),
  topics: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(249))).check(z.maxLength(LIMITS.topicsPerTrigger))),
  filter: z.optional(PayloadFilter),
  /** At most this many events per invocation (default and maximum 100). */
  max_events_per_invocation: z.optional(z.int().check(z.gte(1), z.lte(LIMITS.eventsPerInvocation))),
});
export type EventStreamTrigger = z.infer<typeof EventStreamTriggerSchema>;

/** Triggers this layer does not run (schedules, manual runs…): kept for AgentService as they are. */
const OtherTriggerSchema = z.looseObject({ type: z.string().check(z.minLength(1), z.maxLength(64)) });

export const EventOutputSchema = z.strictObject({
  type: z.literal('event'),
  target_event_type: z.string().check(z.regex(EVENT_TYPE, 'must be dot-separated lower-case words, e.g. agent.lead.scored')),
  name: z.optional(Text(200)),
  description: z.optional(Text(2000)),
  payload_schema_version: z.optional(z.string().check(z.regex(SCHEMA_VERSION, 'must be a version like "1" or "1.0"'))),
});
export type EventOutput = z.infer<typeof EventOutputSchema>;

const OtherOutputSchema = z.looseObject({ type: z.string().check(z.minLength(1), z.maxLength(64)) });

const UnofficialMethodSchema = z.strictObject({
  service: z.string().check(z.minLength(1), z.maxLength(64)),
  method: z.string().check(z.minLength(1), z.maxLength(500)),
  acknowledged: z.boolean(),
});
export type UnofficialMethod = z.infer<typeof UnofficialMethodSchema>;

const JsonArray = z.union([z.array(z.unknown()), z.string()]);

export const RegistrationBodySchema = z.strictObject({
  triggers_config_json_array: JsonArray,
  outputs_config_json_array: JsonArray,
  required_credentials: z.optional(
    z.array(z.string().check(z.regex(SECRET_LABEL, 'credential labels are 1–64 lower-case letters, digits, "_", "." or "-"'))).check(z.maxLength(LIMITS.credentials)),
  ),
  strategic_integrations_text: z.optional(Text(LIMITS.strategicTextChars)),
  unofficial_methods: z.optional(z.array(UnofficialMethodSchema).check(z.maxLength(LIMITS.unofficialMethods))),
});

export type TriggerConfig = EventStreamTrigger | { type: string; [field: string]: unknown };
export type OutputConfig = EventOutput | { type: string; [field: string]: unknown };

export interface AgentRegistration {
  workspace_id: string;
  agent_id: string;
  triggers_config_json_array: TriggerConfig[];
  outputs_config_json_array: OutputConfig[];
  required_credentials: string[];
  strategic_integrations_text?: string;
  unofficial_methods: UnofficialMethod[];
  created_at: string;
  updated_at: string;
  /** Increments on every change (optimistic concurrency, and for caches). */
  revision: number;
}

export type RegistrationInput = Pick<
  AgentRegistration,
  'triggers_config_json_array' | 'outputs_config_json_array' | 'required_credentials' | 'strategic_integrations_text' | 'unofficial_methods'
>;

export const isEventStreamTrigger = (trigger: TriggerConfig): trigger is EventStreamTrigger => trigger.type === 'event_stream';
export const isEventOutput = (output: OutputConfig): output is EventOutput => output.type === 'event';

/** The event types an agent declared as outputs. */
export const declaredOutputTypes = (registration: Pick<AgentRegistration, 'outputs_config_json_array'>): string[] =>
  registration.outputs_config_json_array.filter(isEventOutput).map((o) => o.target_event_type);

/** True when the event type matches one of the patterns (exact types, or prefixes ending in `.*`). */
export function eventTypeMatches(patterns: readonly string[], eventType: string): boolean {
  return patterns.some((p) => (p.endsWith('.*') ? eventType.startsWith(p.slice(0, -1)) : p === eventType));
}

const issues = (error: z.core.$ZodError, prefix: string): string[] =>
  error.issues.map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${issue.message}`);

function jsonArray(value: unknown, field: string, problems: string[]): unknown[] {
  if (Array.isArray(value)) return value;
  try {
    const parsed = JSON.parse(value as string) as unknown;
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // reported below
  }
  problems.push(`${field}: must be an array (or a JSON string holding one)`);
  return [];
}

/**
 * Validates a registration body for `agentId` in `workspaceId`: the shapes (zod), then the rules that
 * span fields — triggers name something and only this workspace's topics, outputs do not borrow a
 * platform family's event types, an agent is not triggered by its own outputs, and the disclaimer rule.
 */
export function parseRegistration(workspaceId: string, agentId: string, body: unknown): RegistrationInput {
  const shape = RegistrationBodySchema.safeParse(body);
  if (!shape.success) throw new InvalidRegistrationError(issues(shape.error, ''));
  const problems: string[] = [];

  const rawTriggers = jsonArray(shape.data.triggers_config_json_array, 'triggers_config_json_array', problems);
  const rawOutputs = jsonArray(shape.data.outputs_config_json_array, 'outputs_config_json_array', problems);
  if (rawTriggers.length > LIMITS.triggers) problems.push(`triggers_config_json_array: at most ${LIMITS.triggers} triggers`);
  if (rawOutputs.length > LIMITS.outputs) problems.push(`outputs_config_json_array: at most ${LIMITS.outputs} outputs`);

  const outputs: OutputConfig[] = [];
  rawOutputs.forEach((raw, i) => {
    const path = `outputs_config_json_array.${i}`;
    const isEvent = (raw as { type?: unknown } | null)?.type === 'event';
    const parsed = isEvent ? EventOutputSchema.safeParse(raw) : OtherOutputSchema.safeParse(raw);
    if (!parsed.success) return void problems.push(...issues(parsed.error, path));
    const output = parsed.data as OutputConfig;
    if (isEventOutput(output)) {
      const family = output.target_event_type.split('.')[0]!;
      if ((RESERVED_EVENT_FAMILIES as readonly string[]).includes(family)) {
        problems.push(`${path}.target_event_type: "${family}." event types belong to the platform's own sources (${RESERVED_EVENT_FAMILIES.join(', ')}); use the agent's own, e.g. agent.${output.target_event_type.split('.').slice(1).join('.') || 'result.ready'}`);
      }
    }
    outputs.push(output);
  });
  const ownTypes = declaredOutputTypes({ outputs_config_json_array: outputs });
  const ownTopic = topics.agentOutputs(agentId, workspaceId);

  const triggers: TriggerConfig[] = [];
  rawTriggers.forEach((raw, i) => {
    const path = `triggers_config_json_array.${i}`;
    const isStream = (raw as { type?: unknown } | null)?.type === 'event_stream';
    const parsed = isStream ? EventStreamTriggerSchema.safeParse(raw) : OtherTriggerSchema.safeParse(raw);
    if (!parsed.success) return void problems.push(...issues(parsed.error, path));
    const trigger = parsed.data as TriggerConfig;
    if (isEventStreamTrigger(trigger)) {
      if (!trigger.event_types?.length && !trigger.topics?.length) problems.push(`${path}: an event_stream trigger names event_types and/or topics`);
      trigger.topics?.forEach((topic, j) => {
        const problem = agentTopicProblem(workspaceId, topic);
        if (problem) problems.push(`${path}.topics.${j}: ${problem}`);
      });
      const typesHitOwn = ownTypes.filter((t) => !trigger.event_types?.length || eventTypeMatches(trigger.event_types, t));
      const topicsHitOwn = !trigger.topics?.length || trigger.topics.some((t) => t === ownTopic || t === topics.allWorkspaces('agent'));
      if (typesHitOwn.length && topicsHitOwn) {
        problems.push(`${path}: would invoke the agent with its own outputs (${typesHitOwn.join(', ')}); narrow event_types or name other topics`);
      }
    }
    triggers.push(trigger);
  });

  const unofficial = shape.data.unofficial_methods ?? [];
  if (problems.length) throw new InvalidRegistrationError(problems);

  const disclaimer: string[] = [];
  unofficial.forEach((m, i) => {
    if (m.acknowledged !== true) {
      disclaimer.push(`unofficial_methods.${i} (${m.service}: ${m.method}) is not acknowledged: set "acknowledged": true once its instability and terms-of-service risks are accepted`);
    }
  });
  const text = shape.data.strategic_integrations_text?.trim() ?? '';
  if (unofficial.length && !text) {
    disclaimer.push('strategic_integrations_text must describe the unofficial methods (what they do, why no official API is used, how the agent copes when they break)');
  }
  if (disclaimer.length) throw new UnofficialMethodsNotAcknowledgedError(disclaimer);

  const input: RegistrationInput = {
    triggers_config_json_array: triggers,
    outputs_config_json_array: outputs,
    required_credentials: [...new Set(shape.data.required_credentials ?? [])],
    unofficial_methods: unofficial,
  };
  if (text) input.strategic_integrations_text = shape.data.strategic_integrations_text!;
  return input;
}

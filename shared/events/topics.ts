/**
 * Kafka topic names: built here, validated here, never concatenated at call sites.
 * Families (seed §2.3, §4, §5, §8):
 *   ionflux.shopify.ws_{workspace_id}.{entity}.{action}   one topic per workspace, entity and action
 *   ionflux.shopify.ws_{workspace_id}.{entity}            per-entity stream of a workspace
 *   ionflux.{family}.all_workspaces                       every event of a per-workspace family (shopify,
 *                                                         whatsapp, tiktok, agent) for every workspace: the
 *                                                         fan-in platform consumers read (an MSK event source
 *                                                         subscribes to fixed topic names only). The
 *                                                         EventPublisher writes each per-workspace event there
 *                                                         too, in the same produce request (`fanInTopicOf`),
 *                                                         with an `origin_topic` header naming its topic.
 *   ionflux.email.delivery_status
 *   ionflux.whatsapp.ws_{workspace_id}.{stream}          incoming_message, message_status, template_status,
 *                                                         opt_in_status, account_status
 *   ionflux.tiktok.ws_{workspace_id}.{event}
 *   ionflux.agent.{agent_id}.ws_{workspace_id}.outputs
 *   ionflux.platform.{name}                               user_activity, llm_usage, …
 */
import { assertWorkspaceId } from '../workspaces/workspace-id';
import { InvalidTopicNameError } from './errors';

const LEGAL = /^[A-Za-z0-9._-]+$/;
const SEGMENT = /^[a-z0-9_]+$/;
export const MAX_TOPIC_LENGTH = 249;

export function validateTopicName(topic: string): string {
  if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) throw new InvalidTopicNameError(topic, `must be 1–${MAX_TOPIC_LENGTH} characters`);
  if (topic === '.' || topic === '..') throw new InvalidTopicNameError(topic, 'cannot be "." or ".."');
  if (!LEGAL.test(topic)) throw new InvalidTopicNameError(topic, 'may only contain letters, digits, ".", "_" and "-"');
  return topic;
}

const segment = (value: string, what: string): string => {
  if (!SEGMENT.test(value)) throw new InvalidTopicNameError(value, `is not a valid ${what} segment (lower-case letters, digits, "_")`);
  return value;
};

const ws = (workspaceId: string) => `ws_${assertWorkspaceId(workspaceId)}`;

/**
 * Names derived from a few inputs, on every event: each is worked out (and validated) once per execution
 * environment, then looked up. Bounded: past `limit` inputs the memo starts again. Only names that passed
 * validation are kept; a refused input throws every time.
 */
function memo<V>(derive: (input: string) => V, limit = 1000): (input: string) => V {
  const known = new Map<string, V>();
  return (input) => {
    let value = known.get(input);
    if (value === undefined && !known.has(input)) {
      value = derive(input);
      if (known.size >= limit) known.clear();
      known.set(input, value);
    }
    return value as V;
  };
}

/** Shopify verbs become past-tense actions; other verbs (paid, publish, uninstalled…) are kept. */
const SHOPIFY_ACTIONS: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted' };

/** `orders/create` → { entity: 'orders', action: 'created' }; `app/uninstalled` → app.uninstalled. */
export function shopifyEntityAction(shopifyTopic: string): { entity: string; action: string } {
  const match = /^([a-z_]+)\/([a-z_]+)$/.exec(shopifyTopic);
  if (!match) throw new InvalidTopicNameError(shopifyTopic, 'is not a Shopify webhook topic of the form entity/verb');
  const [, entity, verb] = match as unknown as [string, string, string];
  return { entity, action: SHOPIFY_ACTIONS[verb] ?? verb };
}

/** Families with one topic (or more) per workspace, each with its fan-in topic. */
export const fanInFamilies = ['shopify', 'whatsapp', 'tiktok', 'agent'] as const;
export type FanInFamily = (typeof fanInFamilies)[number];

/** The Shopify topic names of one workspace, by Shopify webhook topic, for as many workspaces as the memo holds. */
const shopifyTopicsOf = memo(
  (workspaceId: string) =>
    memo((shopifyTopic: string) => {
      const { entity, action } = shopifyEntityAction(shopifyTopic);
      return validateTopicName(`ionflux.shopify.${ws(workspaceId)}.${entity}.${action}`);
    }, 64),
  256,
);

/**
 * The per-workspace WhatsApp topics: inbound messages, message statuses, template status changes, consent
 * changes (opt-in / opt-out) and phone-number / account notices (paused, quality, other account webhooks).
 */
export const whatsappStreams = ['incoming_message', 'message_status', 'template_status', 'opt_in_status', 'account_status'] as const;
export type WhatsAppStream = (typeof whatsappStreams)[number];

export const topics = {
  shopify(workspaceId: string, shopifyTopic: string): string {
    return shopifyTopicsOf(workspaceId)(shopifyTopic);
  },
  shopifyEntity(workspaceId: string, entity: string): string {
    return validateTopicName(`ionflux.shopify.${ws(workspaceId)}.${segment(entity, 'entity')}`);
  },
  /** The fan-in of a per-workspace family: `ionflux.<family>.all_workspaces`. */
  allWorkspaces(family: FanInFamily): string {
    return `ionflux.${family}.all_workspaces`;
  },
  shopifyAllWorkspaces(): string {
    return topics.allWorkspaces('shopify');
  },
  emailDeliveryStatus(): string {
    return 'ionflux.email.delivery_status';
  },
  whatsappIncoming(workspaceId: string): string {
    return topics.whatsapp(workspaceId, 'incoming_message');
  },
  whatsapp(workspaceId: string, stream: WhatsAppStream): string {
    if (!(whatsappStreams as readonly string[]).includes(stream)) throw new InvalidTopicNameError(stream, `is not a WhatsApp stream (${whatsappStreams.join(', ')})`);
    return validateTopicName(`ionflux.whatsapp.${ws(workspaceId)}.${stream}`);
  },
  tiktok(workspaceId: string, event: string): string {
    return validateTopicName(`ionflux.tiktok.${ws(workspaceId)}.${segment(event, 'event')}`);
  },
  agentOutputs(agentId: string, workspaceId: string): string {
    return validateTopicName(`ionflux.agent.${segment(agentId, 'agent id')}.${ws(workspaceId)}.outputs`);
  },
  platform(name: string): string {
    return validateTopicName(`ionflux.platform.${segment(name, 'platform topic')}`);
  },
};

/** Platform topics (`ionflux.platform.<name>`): fixed names, created at deploy and provision time. */
export const platformTopicNames = ['user_activity', 'llm_usage', 'credential_access', 'audio_usage', 'vector_usage'] as const;
export type PlatformTopicName = (typeof platformTopicNames)[number];

const PER_WORKSPACE = /^ionflux\.(shopify|whatsapp|tiktok)\.ws_([A-Za-z0-9_-]{1,64})(?:\.|$)/;
const AGENT_OUTPUTS = /^ionflux\.agent\.[a-z0-9_]+\.ws_([A-Za-z0-9_-]{1,64})\.outputs$/;

/**
 * A per-workspace topic's family and workspace (`ionflux.shopify.ws_acme.orders.created` → shopify,
 * acme), or undefined for a topic shared by every workspace (fan-ins, email status, platform topics).
 */
export function perWorkspaceTopic(topic: string): { family: FanInFamily; workspaceId: string } | undefined {
  if (!topic.startsWith('ionflux.')) return undefined;
  const agent = AGENT_OUTPUTS.exec(topic);
  if (agent) return { family: 'agent', workspaceId: agent[1]! };
  const match = PER_WORKSPACE.exec(topic);
  return match ? { family: match[1] as FanInFamily, workspaceId: match[2]! } : undefined;
}

/** The fan-in topic every event of a per-workspace topic is also written to (null for shared topics). */
const fanInOf = memo((topic: string): string | null => {
  const perWorkspace = perWorkspaceTopic(topic);
  return perWorkspace ? topics.allWorkspaces(perWorkspace.family) : null;
});

/** The fan-in topic every event of a per-workspace topic is also written to (undefined for shared topics). */
export const fanInTopicOf = (topic: string): string | undefined => fanInOf(topic) ?? undefined;

const FAN_IN_TOPICS: ReadonlySet<string> = new Set(fanInFamilies.map((f) => topics.allWorkspaces(f)));

/** True for the fan-in topics themselves (`ionflux.<family>.all_workspaces`). */
export const isFanInTopic = (topic: string): boolean => FAN_IN_TOPICS.has(topic);

/** event_type of a Shopify webhook topic: `orders/create` → `shopify.orders.created`. */
export const shopifyEventType: (shopifyTopic: string) => string = memo((shopifyTopic) => {
  const { entity, action } = shopifyEntityAction(shopifyTopic);
  return `shopify.${entity}.${action}`;
});

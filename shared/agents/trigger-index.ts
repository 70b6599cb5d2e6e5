/**
 * The event_stream triggers of one workspace, indexed so that matching an event costs a few map lookups,
 * not a scan of every registration: by exact event type, by event-type prefix (`shopify.orders.*`), and by
 * topic for triggers that name topics only. Built once per workspace and cached (registration-cache.ts).
 * An index answers only for its own workspace: an event of another workspace matches nothing.
 */
import type { PlatformEvent } from '../events/platform-event';
import { compilePayloadFilter, type PayloadPredicate } from './payload-filter';
import { type AgentRegistration, isEventStreamTrigger, LIMITS } from './registration';

export interface MatchedTrigger {
  readonly agentId: string;
  readonly triggerIndex: number;
  /** Events per invocation for this trigger. */
  readonly maxEvents: number;
}

interface Entry extends MatchedTrigger {
  topics: Set<string> | undefined;
  filter: PayloadPredicate | undefined;
  /** The match call that last considered this entry (an entry reachable by two keys is taken once). */
  seen: number;
}

/** Where an event was read: the topic it was published to (`origin_topic` on a fan-in) and the record's topic. */
export interface EventTopics {
  origin: string;
  record: string;
}

const push = <K>(map: Map<K, Entry[]>, key: K, entry: Entry) => {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
};

export class WorkspaceTriggerIndex {
  private readonly byType = new Map<string, Entry[]>();
  private readonly byPrefix = new Map<string, Entry[]>();
  private readonly byTopic = new Map<string, Entry[]>();
  private calls = 0;
  /** Number of event_stream triggers indexed. */
  readonly triggers: number;

  constructor(
    readonly workspaceId: string,
    registrations: readonly AgentRegistration[],
  ) {
    let count = 0;
    for (const registration of registrations) {
      if (registration.workspace_id !== workspaceId) continue;
      registration.triggers_config_json_array.forEach((trigger, triggerIndex) => {
        if (!isEventStreamTrigger(trigger)) return;
        const entry: Entry = {
          agentId: registration.agent_id,
          triggerIndex,
          maxEvents: trigger.max_events_per_invocation ?? LIMITS.eventsPerInvocation,
          topics: trigger.topics?.length ? new Set(trigger.topics) : undefined,
          filter: compilePayloadFilter(trigger.filter),
          seen: 0,
        };
        count++;
        if (trigger.event_types?.length) {
          for (const type of trigger.event_types) {
            if (type.endsWith('.*')) push(this.byPrefix, type.slice(0, -1), entry);
            else push(this.byType, type, entry);
          }
        } else {
          for (const topic of trigger.topics ?? []) push(this.byTopic, topic, entry);
        }
      });
    }
    this.triggers = count;
  }

  /** The triggers `event` fires, in registration order per lookup; none for another workspace's event. */
  match(event: PlatformEvent, where: EventTopics): MatchedTrigger[] {
    const out: MatchedTrigger[] = [];
    if (event.workspace_id !== this.workspaceId || this.triggers === 0) return out;
    const call = ++this.calls;
    this.consider(this.byType.get(event.event_type), event, where, call, out);
    if (this.byPrefix.size) for (const [prefix, entries] of this.byPrefix) if (event.event_type.startsWith(prefix)) this.consider(entries, event, where, call, out);
    if (this.byTopic.size) {
      this.consider(this.byTopic.get(where.origin), event, where, call, out);
      if (where.record !== where.origin) this.consider(this.byTopic.get(where.record), event, where, call, out);
    }
    return out;
  }

  // A method, not a closure made per event: this runs for every candidate of every event.
  private consider(entries: Entry[] | undefined, event: PlatformEvent, where: EventTopics, call: number, out: MatchedTrigger[]): void {
    if (!entries) return;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.seen === call) continue;
      entry.seen = call;
      if (entry.topics && !entry.topics.has(where.origin) && !entry.topics.has(where.record)) continue;
      if (entry.filter && !entry.filter(event.payload_json)) continue;
      out.push(entry);
    }
  }
}

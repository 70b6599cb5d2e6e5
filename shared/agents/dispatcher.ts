/**
 * Trigger dispatch: the PlatformEvents of one MSK batch matched against the registrations of each
 * event's own workspace (and no other), grouped per (workspace, agent, trigger) in the order read, cut
 * into invocations (≤ the trigger's events per invocation, ≤ the body limit) and sent to AgentService,
 * several at a time. An invocation that still fails after the inline attempts goes to the retry queue
 * (or, refused by AgentService, to the DLQ); only when even that write fails are its records reported
 * as failed, so the event source retries them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors';
import type { PlatformEvent } from '../events/platform-event';
import { perWorkspaceTopic } from '../events/topics';
import { moduleLogger } from '../observability/logger';
import { type AgentServiceClient, type DeliveryResult, invocationBody, invocationId } from './agent-service';
import { defaultDispatchPolicy, type DispatchPolicy } from './dispatch-policy';
import type { DispatchQueue, PendingInvocation } from './dispatch-queue';
import type { TriggerIndexCache } from './registration-cache';
import type { MatchedTrigger } from './trigger-index';

const log = moduleLogger('agent-dispatch');

/** One event as read from Kafka. */
export interface DispatchRecord {
  event: PlatformEvent;
  /** The record's value: the event's JSON, sent as it is. */
  raw: string;
  /** The topic the record was read from. */
  topic: string;
  /** The topic the event was published to (`origin_topic` header of a fan-in record; else `topic`). */
  originTopic: string;
  partition: number;
  offset: number;
}

export interface DispatchDeps {
  indexes: Pick<TriggerIndexCache, 'get'>;
  client: Pick<AgentServiceClient, 'deliver'>;
  queue: Pick<DispatchQueue, 'retryLater' | 'deadLetter'>;
  policy?: DispatchPolicy;
  clock?: () => number;
}

export interface DispatchReport {
  records: number;
  matched: number;
  invocations: number;
  delivered: number;
  queuedForRetry: number;
  deadLettered: number;
  /** Records the event source must retry (their invocation could be neither delivered nor queued). */
  failed: DispatchRecord[];
}

interface Group {
  workspaceId: string;
  trigger: MatchedTrigger;
  records: DispatchRecord[];
}

/** Why a record cannot be dispatched at all (a per-workspace topic carrying another workspace's event). */
function misrouted(record: DispatchRecord): string | undefined {
  const owner = perWorkspaceTopic(record.originTopic)?.workspaceId;
  return owner !== undefined && owner !== record.event.workspace_id ? `topic ${record.originTopic} belongs to workspace ${owner}` : undefined;
}

/** Groups the records per (workspace, agent, trigger) they fire, in the order given. */
export async function matchRecords(records: readonly DispatchRecord[], indexes: Pick<TriggerIndexCache, 'get'>): Promise<{ groups: Group[]; matched: number; unmatchable: DispatchRecord[] }> {
  const byWorkspace = new Map<string, DispatchRecord[]>();
  for (const record of records) {
    const problem = misrouted(record);
    if (problem) {
      log.error('event not dispatched: its topic and workspace disagree', { event_id: record.event.event_id, workspace_id: record.event.workspace_id, problem });
      continue;
    }
    const list = byWorkspace.get(record.event.workspace_id);
    if (list) list.push(record);
    else byWorkspace.set(record.event.workspace_id, [record]);
  }
  // Keyed by the index's own trigger object: one per (workspace, agent, trigger), no key strings to build.
  const groups = new Map<MatchedTrigger, Group>();
  const unmatchable: DispatchRecord[] = [];
  let matched = 0;
  await Promise.all(
    [...byWorkspace].map(async ([workspaceId, list]) => {
      let index;
      try {
        index = await indexes.get(workspaceId);
      } catch (error) {
        log.warn('registrations of a workspace could not be read; its events will be retried', { workspace_id: workspaceId, error: errorMessage(error) });
        unmatchable.push(...list);
        return;
      }
      for (const record of list) {
        const triggers = index.match(record.event, { origin: record.originTopic, record: record.topic });
        if (triggers.length) matched++;
        for (const trigger of triggers) {
          const group = groups.get(trigger);
          if (group) group.records.push(record);
          else groups.set(trigger, { workspaceId, trigger, records: [record] });
        }
      }
    }),
  );
  return { groups: [...groups.values()], matched, unmatchable };
}

/** Cuts a group into invocations: at most `maxEvents` events and about `maxBytes` of body each. */
export function cutInvocations(group: Group, maxBytes: number): PendingInvocation[] {
  const out: PendingInvocation[] = [];
  let current: DispatchRecord[] = [];
  let bytes = 0;
  const flush = () => {
    if (!current.length) return;
    const base = { workspace_id: group.workspaceId, agent_id: group.trigger.agentId, trigger_index: group.trigger.triggerIndex };
    const event_ids = current.map((r) => r.event.event_id);
    out.push({ version: 1, ...base, events: current.map((r) => r.raw), event_ids, webhook_id: invocationId(base, event_ids), first_attempt_at: '', attempts: 0 });
    current = [];
    bytes = 0;
  };
  for (const record of group.records) {
    const size = record.raw.length + 1;
    if (current.length && (current.length >= group.trigger.maxEvents || bytes + size > maxBytes)) flush();
    current.push(record);
    bytes += size;
  }
  flush();
  return out;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

/** Attempts an invocation up to `attempts` times while time remains; the last result. */
export async function attemptDelivery(
  pending: PendingInvocation,
  body: string,
  deps: Pick<DispatchDeps, 'client'>,
  policy: DispatchPolicy,
  options: { attempts: number; deadline: number },
): Promise<DeliveryResult & { tried: number }> {
  let result: DeliveryResult = { ok: false, retryable: true, error: 'no time left to call AgentService' };
  let tried = 0;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    const left = options.deadline - Date.now();
    if (left < 500) break;
    result = await deps.client.deliver(pending.agent_id, pending.webhook_id, body, { timeoutMs: Math.min(policy.attemptTimeoutMs, left) });
    tried++;
    if (result.ok || !result.retryable || attempt === options.attempts) break;
    // AgentService asked for a longer wait than an inline retry makes: the retry queue honours it.
    if (result.retryAfterMs !== undefined && result.retryAfterMs > policy.inlineBackoffMs * attempt) break;
    const wait = Math.min(result.retryAfterMs ?? Number.POSITIVE_INFINITY, Math.random() * policy.inlineBackoffMs * attempt);
    if (options.deadline - Date.now() - wait < 1000) break;
    await sleep(wait);
  }
  return { ...result, tried };
}

/**
 * Dispatches the records of one batch. `deadline`: when the function must have answered; the time it
 * needs to queue what failed is kept back from the calls.
 */
export async function dispatchRecords(records: readonly DispatchRecord[], deps: DispatchDeps, options: { deadline: number }): Promise<DispatchReport> {
  const policy = deps.policy ?? defaultDispatchPolicy;
  const now = () => (deps.clock ?? Date.now)();
  const { groups, matched, unmatchable } = await matchRecords(records, deps.indexes);
  const report: DispatchReport = { records: records.length, matched, invocations: 0, delivered: 0, queuedForRetry: 0, deadLettered: 0, failed: [...unmatchable] };
  const invocations = groups.flatMap((group) => cutInvocations(group, policy.maxBodyBytes).map((pending) => ({ pending, group })));
  report.invocations = invocations.length;
  // Leave time to write the failures to the retry queue.
  const callDeadline = options.deadline - 3000;
  const failed = new Set<DispatchRecord>();
  await pool(invocations, policy.concurrency, async ({ pending, group }) => {
    pending.first_attempt_at = new Date(now()).toISOString();
    const body = invocationBody(pending);
    const result = await attemptDelivery(pending, body, deps, policy, { attempts: policy.inlineAttempts, deadline: callDeadline });
    if (result.ok) {
      report.delivered++;
      return;
    }
    const after: PendingInvocation = {
      ...pending,
      attempts: result.tried,
      ...(result.error ? { last_error: result.error } : {}),
      ...(result.status !== undefined ? { last_status: result.status } : {}),
    };
    try {
      if (result.retryable) {
        await deps.queue.retryLater(after);
        report.queuedForRetry++;
      } else {
        await deps.queue.deadLetter(after, 'refused', new Date(now()));
        report.deadLettered++;
        log.error('AgentService refused an invocation; recorded in agent-dispatch-dlq', {
          workspace_id: pending.workspace_id,
          agent_id: pending.agent_id,
          trigger_index: pending.trigger_index,
          webhook_id: pending.webhook_id,
          status: result.status,
        });
      }
    } catch (error) {
      log.error('an invocation could be neither delivered nor queued; its records will be retried', {
        agent_id: pending.agent_id,
        webhook_id: pending.webhook_id,
        error: errorMessage(error),
      });
      for (const record of group.records) if (pending.event_ids.includes(record.event.event_id)) failed.add(record);
    }
  });
  report.failed.push(...failed);
  return report;
}

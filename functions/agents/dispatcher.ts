/**
 * MSK trigger on the fan-in, email-status and platform topics: matches each PlatformEvent against the
 * registrations of its own workspace and invokes AgentService (shared/agents/dispatcher.ts).
 */
import { dispatchRecords, type DispatchDeps } from '../../shared/agents/dispatcher';
import { type ConsumedEvent, mskBatchConsumer } from '../../shared/events/msk-consumer';
import { moduleLogger } from '../../shared/observability/logger';
import { agentServiceClient, dispatchQueue, triggerIndexes } from '../../shared/runtime/agents';

const log = moduleLogger('agent-dispatch');

/** The handler over any dependencies (tests and the benchmark pass their own). */
export const createDispatcherHandler = (deps: () => DispatchDeps) =>
  mskBatchConsumer(async (consumed, { deadline }) => {
    const records = consumed.map((c) => ({ event: c.event, raw: c.value, topic: c.topic, originTopic: c.headers.origin_topic ?? c.topic, partition: c.partition, offset: c.offset, consumed: c }));
    const report = await dispatchRecords(records, deps(), { deadline });
    const { failed, ...counts } = report;
    if (counts.invocations || failed.length) log.info('dispatched', { ...counts, failed: failed.length });
    return failed.map((r) => (r as (typeof records)[number]).consumed as ConsumedEvent);
  });

export const handler = createDispatcherHandler(() => ({ indexes: triggerIndexes(), client: agentServiceClient(), queue: dispatchQueue() }));

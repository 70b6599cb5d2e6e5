/** The dispatch retry strategy: inline attempts, Retry-After, the retry waits, and how groups become invocations. */
import type { DeliveryResult } from '../../shared/agents/agent-service';
import { attemptDelivery, cutInvocations } from '../../shared/agents/dispatcher';
import { defaultDispatchPolicy, retryDelayMs, workerAttempts } from '../../shared/agents/dispatch-policy';
import type { PendingInvocation } from '../../shared/agents/dispatch-queue';
import { createPlatformEvent } from '../../shared/events/platform-event';

const pending: PendingInvocation = { version: 1, workspace_id: 'acme', agent_id: 'a1', trigger_index: 0, events: ['{}'], event_ids: ['e'], webhook_id: 'msg_x', first_attempt_at: '', attempts: 0 };
const client = (...results: DeliveryResult[]) => {
  const calls: number[] = [];
  return { calls, deliver: async () => (calls.push(Date.now()), results.shift() ?? { ok: true, retryable: false, status: 202 }) };
};

describe('agent dispatch policy', () => {
  const policy = { ...defaultDispatchPolicy, inlineAttempts: 3, inlineBackoffMs: 20 };
  const deadline = () => Date.now() + 10_000;

  it('retries retryable failures inline, stops at a refusal, and leaves long Retry-After waits to the queue', async () => {
    const flaky = client({ ok: false, retryable: true, status: 503 }, { ok: true, retryable: false, status: 202 });
    expect(await attemptDelivery(pending, '{}', { client: flaky }, policy, { attempts: 3, deadline: deadline() })).toMatchObject({ ok: true, tried: 2 });
    const refused = client({ ok: false, retryable: false, status: 422 });
    expect(await attemptDelivery(pending, '{}', { client: refused }, policy, { attempts: 3, deadline: deadline() })).toMatchObject({ ok: false, retryable: false, tried: 1 });
    const throttled = client({ ok: false, retryable: true, status: 429, retryAfterMs: 30_000 });
    expect(await attemptDelivery(pending, '{}', { client: throttled }, policy, { attempts: 3, deadline: deadline() })).toMatchObject({ ok: false, retryable: true, tried: 1, retryAfterMs: 30_000 });
    const late = client();
    expect(await attemptDelivery(pending, '{}', { client: late }, policy, { attempts: 3, deadline: Date.now() + 100 })).toMatchObject({ ok: false, tried: 0 });
  });

  it('waits longer after each worker attempt, at least what Retry-After asks, with at most 20 % jitter', () => {
    expect(workerAttempts(defaultDispatchPolicy)).toBe(9);
    const waits = defaultDispatchPolicy.retryDelaysS.map((_, i) => retryDelayMs(defaultDispatchPolicy, i + 1, undefined, () => 0));
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect(waits[0]).toBe(15_000);
    expect(retryDelayMs(defaultDispatchPolicy, 1, 120_000, () => 0)).toBe(120_000);
    expect(retryDelayMs(defaultDispatchPolicy, 1, undefined, () => 0.999)).toBeGreaterThanOrEqual(12_000);
    expect(retryDelayMs(defaultDispatchPolicy, 99, 10 ** 9, () => 0)).toBe(12 * 3600 * 1000);
  });

  it('cuts a group into invocations by events per invocation and by body size, with stable ids', () => {
    const records = Array.from({ length: 5 }, (_, i) => {
      const event = createPlatformEvent({ idParts: [String(i)], eventType: 'shopify.orders.created', workspaceId: 'acme', source: 't', payload: { i } });
      return { event, raw: JSON.stringify(event), topic: 't', originTopic: 't', partition: 0, offset: i };
    });
    const group = { workspaceId: 'acme', trigger: { agentId: 'a1', triggerIndex: 2, maxEvents: 2 }, records };
    const byCount = cutInvocations(group, 10 ** 6);
    expect(byCount.map((p) => p.events.length)).toEqual([2, 2, 1]);
    expect(byCount[0]).toMatchObject({ workspace_id: 'acme', agent_id: 'a1', trigger_index: 2, event_ids: [records[0]!.event.event_id, records[1]!.event.event_id] });
    expect(cutInvocations(group, 10 ** 6)[0]!.webhook_id).toBe(byCount[0]!.webhook_id);
    const bySize = cutInvocations({ ...group, trigger: { ...group.trigger, maxEvents: 100 } }, records[0]!.raw.length * 2 + 2);
    expect(bySize.map((p) => p.events.length)).toEqual([2, 2, 1]);
  });
});

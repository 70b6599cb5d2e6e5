/**
 * Trigger dispatch end to end on the real Kafka broker and moto: events of every family published by the
 * real publisher, read back from the fan-in and shared topics, fed to the real dispatcher handler, which
 * invokes a fake AgentService that checks the Standard Webhooks signature. Two workspaces register agents
 * with the same ids: each sees only its own workspace's events. A failing AgentService: retries, the DLQ,
 * redrive, delivered once.
 */
import { handler as dispatcher } from '../../functions/agents/dispatcher';
import { createDispatchRetryHandler } from '../../functions/agents/dispatch-retry';
import { handler as publishOutput } from '../../functions/agents/publish-output';
import { defaultDispatchPolicy } from '../../shared/agents/dispatch-policy';
import { decodePendingInvocation } from '../../shared/agents/dispatch-queue';
import { createPlatformEvent } from '../../shared/events/platform-event';
import { topics } from '../../shared/events/topics';
import { agentRegistry, agentServiceClient, dispatchQueue } from '../../shared/runtime/agents';
import { eventPublisher } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { queue } from '../../shared/runtime/queues';
import { FakeAgentService, newSigningSecret } from '../fakes/agent-service/fake-agent-service';
import { runDispatcher, runRetryWorkerOnce } from '../support/agents';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { invokeHttp } from '../support/http';
import { storeSecret } from '../support/secrets';

const secret = newSigningSecret();
let fake: FakeAgentService;

beforeAll(async () => {
  await useLocalServices();
  fake = await new FakeAgentService({ secrets: [secret] }).start();
  await storeSecret(`${secretRoot()}/platform/agent-service`, { base_url: fake.origin, signing_secret: secret });
});
afterAll(async () => {
  await fake?.stop();
  await resetEnvironment();
});

const registrations = (ws: string) => ({
  orders_watch: { triggers_config_json_array: [{ type: 'schedule' }, { type: 'event_stream', event_types: ['shopify.orders.created'] }], outputs_config_json_array: [] },
  wa_reply: { triggers_config_json_array: [{ type: 'event_stream', event_types: ['whatsapp.message.received'] }], outputs_config_json_array: [] },
  tiktok_watch: { triggers_config_json_array: [{ type: 'event_stream', event_types: ['tiktok.*'] }], outputs_config_json_array: [] },
  email_watch: { triggers_config_json_array: [{ type: 'event_stream', event_types: ['email.delivered'], topics: [topics.emailDeliveryStatus()] }], outputs_config_json_array: [] },
  usage_watch: { triggers_config_json_array: [{ type: 'event_stream', event_types: ['llm.usage.recorded'], filter: { cost_usd: { gt: 0 } } }], outputs_config_json_array: [] },
  writer: { triggers_config_json_array: [], outputs_config_json_array: [{ type: 'event', target_event_type: 'agent.post.written' }] },
  chain: { triggers_config_json_array: [{ type: 'event_stream', topics: [topics.agentOutputs('writer', ws)] }], outputs_config_json_array: [] },
});

const publish = (ws: string, topic: string, eventType: string, payload: Record<string, unknown>) =>
  eventPublisher().publish([{ topic, key: ws, event: createPlatformEvent({ idParts: [ws, eventType, String(Math.random())], eventType, workspaceId: ws, source: 'test', payload }) }], { deadline: Date.now() + 10_000 });

/** One event of each family for `ws`; returns the event ids per expected agent. */
async function publishFamilies(ws: string): Promise<Record<string, number>> {
  await publish(ws, topics.shopify(ws, 'orders/create'), 'shopify.orders.created', { data: { id: 1, ws } });
  await publish(ws, topics.shopify(ws, 'products/update'), 'shopify.products.updated', { data: { id: 2 } });
  await publish(ws, topics.whatsappIncoming(ws), 'whatsapp.message.received', { from: '+15550001' });
  await publish(ws, topics.tiktok(ws, 'video_published'), 'tiktok.video.published', { video_id: 'v1' });
  await publish(ws, topics.emailDeliveryStatus(), 'email.delivered', { message_id: 'm1' });
  await publish(ws, topics.emailDeliveryStatus(), 'email.bounced', { message_id: 'm2' });
  await publish(ws, topics.platform('llm_usage'), 'llm.usage.recorded', { cost_usd: 0.02 });
  await publish(ws, topics.platform('llm_usage'), 'llm.usage.recorded', { cost_usd: 0 });
  const output = await invokeHttp(publishOutput, {
    method: 'POST',
    rawPath: '/v1/events',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workspace_id: ws, agent_id: 'writer', event_type: 'agent.post.written', payload_json: { title: `post of ${ws}` } }),
  });
  expect(output.status).toBe(202);
  return { orders_watch: 1, wa_reply: 1, tiktok_watch: 1, email_watch: 1, usage_watch: 1, chain: 1 };
}

describe('agent trigger dispatch', () => {
  it('delivers each family’s events, signed and batched, to the matching agents of the event’s own workspace only', async () => {
    const a = newWorkspaceId('a');
    const b = newWorkspaceId('b');
    for (const ws of [a, b]) for (const [agent, body] of Object.entries(registrations(ws))) await agentRegistry().register(ws, agent, body);
    const since = Date.now() - 1000;
    const expected = await publishFamilies(a);
    await publishFamilies(b);

    const response = await runDispatcher(dispatcher, since, [a, b]);
    expect(response.batchItemFailures).toEqual([]);

    for (const ws of [a, b]) {
      const mine = fake.accepted().filter((i) => i.body.workspace_id === ws);
      for (const [agent, count] of Object.entries(expected)) {
        const got = mine.filter((i) => i.agentId === agent);
        expect({ agent, invocations: got.length, events: got.flatMap((i) => i.body.events).length }).toEqual({ agent, invocations: 1, events: count });
      }
      expect(mine.map((i) => i.agentId).sort()).toEqual(Object.keys(expected).sort());
      for (const invocation of mine) {
        expect(invocation.verified).toBe(true);
        expect(invocation.body.agent_id).toBe(invocation.agentId);
        for (const e of invocation.body.events) expect(e.workspace_id).toBe(ws);
      }
      const orders = mine.find((i) => i.agentId === 'orders_watch')!;
      expect(orders.body.trigger_index).toBe(1);
      expect(orders.body.events[0]!.event_type).toBe('shopify.orders.created');
      expect(mine.find((i) => i.agentId === 'chain')!.body.events[0]!.payload_json).toEqual({ title: `post of ${ws}` });
      expect(mine.find((i) => i.agentId === 'email_watch')!.body.events[0]!.event_type).toBe('email.delivered');
      expect(mine.find((i) => i.agentId === 'usage_watch')!.body.events[0]!.payload_json).toEqual({ cost_usd: 0.02 });
    }
  });

  it('retries a failing AgentService, records the invocation in the DLQ, and a redrive delivers it once', async () => {
    const ws = newWorkspaceId('retry');
    await agentRegistry().register(ws, 'orders_watch', registrations(ws).orders_watch);
    await agentRegistry().register(ws, 'refused', { triggers_config_json_array: [{ type: 'event_stream', event_types: ['shopify.orders.created'] }], outputs_config_json_array: [] });
    const retryWorker = createDispatchRetryHandler(() => ({ client: agentServiceClient(), queue: dispatchQueue(), retryQueue: queue('agent-dispatch'), policy: { ...defaultDispatchPolicy, retryDelaysS: [0, 0] } }));

    fake.failAll({ status: 503, agentId: 'orders_watch' });
    fake.scriptReplies({ status: 422, agentId: 'refused' });
    const since = Date.now() - 1000;
    await publish(ws, topics.shopify(ws, 'orders/create'), 'shopify.orders.created', { data: { id: 42 } });
    const before = fake.invocations.length;
    expect((await runDispatcher(dispatcher, since, [ws])).batchItemFailures).toEqual([]);
    const inline = fake.invocations.slice(before).filter((i) => i.agentId === 'orders_watch');
    expect(inline.map((i) => i.status)).toEqual([503, 503]);
    expect(new Set(inline.map((i) => i.webhookId)).size).toBe(1);

    // The retry worker: three attempts (two waits), then the DLQ.
    for (let i = 0; i < 3; i++) expect(await runRetryWorkerOnce(retryWorker)).toBe(1);
    expect(await runRetryWorkerOnce(retryWorker)).toBe(0);
    const attempts = fake.invocations.filter((i) => i.agentId === 'orders_watch' && i.body.workspace_id === ws);
    expect(attempts.map((i) => i.status)).toEqual([503, 503, 503, 503, 503]);
    expect(new Set(attempts.map((i) => i.webhookId)).size).toBe(1);
    expect(attempts.every((i) => i.verified)).toBe(true);

    const dead = (await dispatchQueue().peekDeadLetters()).filter((d) => 'workspace_id' in d && d.workspace_id === ws) as Array<ReturnType<typeof decodePendingInvocation>>;
    expect(dead.map((d) => [d.agent_id, d.dead_reason, d.last_status]).sort()).toEqual([
      ['orders_watch', 'retries_exhausted', 503],
      ['refused', 'refused', 422],
    ]);
    expect(dead.find((d) => d.agent_id === 'orders_watch')!.attempts).toBe(5);

    fake.recover();
    expect(await dispatchQueue().redrive()).toEqual({ moved: 2, malformed: 0 });
    expect(await queue('agent-dispatch-dlq').depth()).toBe(0);
    while ((await runRetryWorkerOnce(retryWorker)) > 0);
    const delivered = fake.accepted('orders_watch').filter((i) => i.body.workspace_id === ws);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.webhookId).toBe(attempts[0]!.webhookId);
    expect(delivered[0]!.body.events.map((e) => e.payload_json)).toEqual([{ data: { id: 42 } }]);
    expect(fake.accepted('refused').filter((i) => i.body.workspace_id === ws)).toHaveLength(1);
  });
});

/**
 * The registration API (PUT/GET/DELETE through the handlers with API Gateway events, on moto), the derived
 * active_kafka_topics_list, and agent outputs (POST /v1/events) landing in the real Kafka.
 */
import { handler as deleteRegistration } from '../../functions/agents/delete-registration';
import { handler as getRegistration } from '../../functions/agents/get-registration';
import { handler as publishOutput } from '../../functions/agents/publish-output';
import { handler as putRegistration } from '../../functions/agents/put-registration';
import { handler as putSettings } from '../../functions/workspaces/put-settings';
import { topics } from '../../shared/events/topics';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { invokeHttp } from '../support/http';

beforeAll(() => useLocalServices());
afterAll(() => resetEnvironment());

const route = 'PUT /v1/agents/workspaces/{workspace_id}/agents/{agent_id}';
const call = (handler: typeof putRegistration, method: string, ws: string, agent: string, body?: unknown) =>
  invokeHttp(handler, {
    method,
    rawPath: `/v1/agents/workspaces/${ws}/agents/${agent}`,
    routeKey: route.replace('PUT', method),
    pathParameters: { workspace_id: ws, agent_id: agent },
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const output = (body: unknown, headers: Record<string, string> = {}) =>
  invokeHttp(publishOutput, { method: 'POST', rawPath: '/v1/events', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const activeTopics = async (ws: string) => (await workspaceDirectory().get(ws, { fresh: true }))?.settings.active_kafka_topics_list;

const scorer = {
  triggers_config_json_array: [{ type: 'event_stream', event_types: ['shopify.orders.created'], topics: [] as string[] }],
  outputs_config_json_array: [{ type: 'event', target_event_type: 'agent.lead.scored' }],
  required_credentials: ['hubspot'],
};

describe('agent registrations API', () => {
  it('creates, replaces, reads and deletes a registration; active_kafka_topics_list follows', async () => {
    const ws = newWorkspaceId();
    const created = await call(putRegistration, 'PUT', ws, 'lead_scorer', scorer);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ workspace_id: ws, agent_id: 'lead_scorer', revision: 1, required_credentials: ['hubspot'] });
    expect(await activeTopics(ws)).toEqual([topics.agentOutputs('lead_scorer', ws)]);

    const replaced = await call(putRegistration, 'PUT', ws, 'lead_scorer', { ...scorer, triggers_config_json_array: [{ type: 'event_stream', topics: [topics.shopify(ws, 'orders/create')] }] });
    expect(replaced.status).toBe(200);
    expect(replaced.json.revision).toBe(2);
    expect(replaced.json.created_at).toBe(created.json.created_at);
    await call(putRegistration, 'PUT', ws, 'watcher', { triggers_config_json_array: [{ type: 'event_stream', topics: [topics.whatsappIncoming(ws)] }], outputs_config_json_array: [] });
    expect(await activeTopics(ws)).toEqual([topics.agentOutputs('lead_scorer', ws), topics.shopify(ws, 'orders/create'), topics.whatsappIncoming(ws)].sort());

    // Settings written by the platform keep the derived list (a list sent with them is not stored).
    const mapping = { openai: `${secretRoot()}/workspaces/${ws}/openai` };
    const settings = await invokeHttp(putSettings, {
      method: 'PUT',
      rawPath: `/v1/workspaces/${ws}/settings`,
      routeKey: 'PUT /v1/workspaces/{workspace_id}/settings',
      pathParameters: { workspace_id: ws },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ generic_secrets_config_json: mapping, active_kafka_topics_list: ['hand.edited'] }),
    });
    expect(settings.status).toBe(200);
    expect(settings.json.settings.generic_secrets_config_json).toEqual(mapping);
    expect(await activeTopics(ws)).toContain(topics.whatsappIncoming(ws));
    expect(await activeTopics(ws)).not.toContain('hand.edited');

    const read = await call(getRegistration, 'GET', ws, 'lead_scorer');
    expect(read.status).toBe(200);
    expect(read.json).toEqual(replaced.json);
    expect((await call(deleteRegistration, 'DELETE', ws, 'lead_scorer')).status).toBe(204);
    expect((await call(getRegistration, 'GET', ws, 'lead_scorer')).json.error.code).toBe('agent_not_registered');
    expect((await call(deleteRegistration, 'DELETE', ws, 'lead_scorer')).status).toBe(404);
    expect(await activeTopics(ws)).toEqual([topics.whatsappIncoming(ws)]);
    expect((await workspaceDirectory().get(ws, { fresh: true }))!.settings.generic_secrets_config_json).toEqual(mapping);
  });

  it('answers bad registrations with 400 naming each problem, and the disclaimer rule', async () => {
    const ws = newWorkspaceId();
    const bad = await call(putRegistration, 'PUT', ws, 'a1', { triggers_config_json_array: [{ type: 'event_stream', topics: ['ionflux.shopify.ws_someone_else.orders.created'] }], outputs_config_json_array: [] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_registration');
    expect(bad.json.error.details.problems[0]).toMatch(/belongs to workspace someone_else/);
    const unack = await call(putRegistration, 'PUT', ws, 'a1', { ...scorer, unofficial_methods: [{ service: 'linkedin', method: 'scraping', acknowledged: false }] });
    expect(unack.status).toBe(400);
    expect(unack.json.error.code).toBe('unofficial_methods_not_acknowledged');
    expect(unack.json.error.message).toMatch(/strategic_integrations_text must describe/);
    expect((await call(putRegistration, 'PUT', ws, 'Bad-Id', scorer)).json.error.code).toBe('invalid_agent_id');
    expect((await call(putRegistration, 'PUT', ws, 'a1', '{nope')).json.error.code).toBe('invalid_json');
    const acknowledged = await call(putRegistration, 'PUT', ws, 'a1', {
      ...scorer,
      unofficial_methods: [{ service: 'linkedin', method: 'scraping', acknowledged: true }],
      strategic_integrations_text: 'Reads public LinkedIn profiles with Playwright: unstable and against its ToS; the agent degrades to Clearbit when it breaks.',
    });
    expect(acknowledged.status).toBe(201);
  });
});

describe('agent outputs (POST /v1/events)', () => {
  it('publishes a declared output to the agent topic and the agent fan-in, as agent:<id>', async () => {
    const ws = newWorkspaceId();
    await call(putRegistration, 'PUT', ws, 'lead_scorer', scorer);
    const since = Date.now() - 1000;
    const accepted = await output({ workspace_id: ws, agent_id: 'lead_scorer', event_type: 'agent.lead.scored', payload_json: { lead: 'l1', score: 87 }, key: 'l1' }, { 'idempotency-key': 'run-1-step-3' });
    expect(accepted.status).toBe(202);
    expect(accepted.json).toEqual({ event_id: expect.any(String), topic: topics.agentOutputs('lead_scorer', ws) });
    const again = await output({ workspace_id: ws, agent_id: 'lead_scorer', event_type: 'agent.lead.scored', payload_json: { lead: 'l1', score: 87 } }, { 'idempotency-key': 'run-1-step-3' });
    expect(again.json.event_id).toBe(accepted.json.event_id);

    // Both requests were published (at least once); the retry carries the same event_id, so consumers drop it.
    const records = await eventBus().readAll(topics.agentOutputs('lead_scorer', ws), { since });
    expect(records.map((r) => JSON.parse(r.value).event_id)).toEqual([accepted.json.event_id, accepted.json.event_id]);
    const record = records.find((r) => r.key === 'l1');
    const event = JSON.parse(record!.value);
    expect(event).toMatchObject({ event_id: accepted.json.event_id, event_type: 'agent.lead.scored', source_service_name: 'agent:lead_scorer', workspace_id: ws, payload_schema_version: '1', payload_json: { lead: 'l1', score: 87 } });
    const fanIn = (await eventBus().readAll(topics.allWorkspaces('agent'), { since })).filter((r) => JSON.parse(r.value).event_id === accepted.json.event_id);
    expect(fanIn.length).toBeGreaterThanOrEqual(1);
    expect(fanIn[0]!.headers.origin_topic).toBe(topics.agentOutputs('lead_scorer', ws));
  });

  it('refuses undeclared outputs (403), unknown agents (404), oversized payloads (413) and bad bodies (400)', async () => {
    const ws = newWorkspaceId();
    await call(putRegistration, 'PUT', ws, 'lead_scorer', scorer);
    const undeclared = await output({ workspace_id: ws, agent_id: 'lead_scorer', event_type: 'agent.lead.deleted', payload_json: {} });
    expect(undeclared.status).toBe(403);
    expect(undeclared.json.error.code).toBe('undeclared_output');
    expect(undeclared.json.error.details.declared).toEqual(['agent.lead.scored']);
    expect((await output({ workspace_id: ws, agent_id: 'nobody', event_type: 'agent.lead.scored', payload_json: {} })).status).toBe(404);
    const big = await output({ workspace_id: ws, agent_id: 'lead_scorer', event_type: 'agent.lead.scored', payload_json: { blob: 'x'.repeat(257 * 1024) } });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('payload_too_large');
    const missing = await output({ workspace_id: ws, agent_id: 'lead_scorer', event_type: 'agent.lead.scored' });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toMatch(/payload_json/);
  });
});

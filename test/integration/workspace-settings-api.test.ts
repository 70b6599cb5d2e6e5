/** PUT/GET /v1/workspaces/{workspace_id}/settings through the handlers, with API Gateway events, on moto. */
import { handler as getSettings } from '../../functions/workspaces/get-settings';
import { handler as putSettings } from '../../functions/workspaces/put-settings';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { invokeHttp } from '../support/http';

beforeAll(() => useLocalServices());
afterAll(() => resetEnvironment());

const put = (workspaceId: string, body: string, contentType = 'application/json') =>
  invokeHttp(putSettings, {
    method: 'PUT',
    rawPath: `/v1/workspaces/${workspaceId}/settings`,
    routeKey: 'PUT /v1/workspaces/{workspace_id}/settings',
    pathParameters: { workspace_id: workspaceId },
    headers: { 'content-type': contentType },
    body,
  });
const get = (workspaceId: string) =>
  invokeHttp(getSettings, {
    method: 'GET',
    rawPath: `/v1/workspaces/${workspaceId}/settings`,
    routeKey: 'GET /v1/workspaces/{workspace_id}/settings',
    pathParameters: { workspace_id: workspaceId },
  });

describe('workspace settings API', () => {
  it('stores settings the platform sends and serves them back', async () => {
    const ws = newWorkspaceId();
    const mapping = { openai: `${secretRoot()}/workspaces/${ws}/openai`, sendgrid: `${secretRoot()}/workspaces/${ws}/esp/sendgrid` };
    const stored = await put(ws, JSON.stringify({ generic_secrets_config_json: JSON.stringify(mapping), active_kafka_topics_list: ['a'] }));
    expect(stored.status).toBe(200);
    expect(stored.json.settings.generic_secrets_config_json).toEqual(mapping);
    const read = await get(ws);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(stored.json);
  });

  it('answers bad input with a status and a JSON body naming the problem', async () => {
    const ws = newWorkspaceId();
    const outside = await put(ws, JSON.stringify({ generic_secrets_config_json: { openai: `${secretRoot()}/platform/openai` } }));
    expect(outside.status).toBe(400);
    expect(outside.json.error.code).toBe('invalid_workspace_settings');
    expect(outside.json.error.message).toContain('outside this workspace');
    expect(outside.json.error.request_id).toEqual(expect.any(String));

    expect((await put(ws, '{not json')).json.error.code).toBe('invalid_json');
    expect((await put(ws, '[]')).status).toBe(400);
    expect((await put(ws, JSON.stringify({ surprise: 1 }))).json.error.message).toContain('Unrecognized key: "surprise"');
    expect((await put(ws, '{}', 'text/plain')).status).toBe(415);
    expect((await put('bad.id', '{}')).json.error.code).toBe('invalid_workspace_id');
    const big = await put(ws, JSON.stringify({ generic_secrets_config_json: { a: 'x'.repeat(70 * 1024) } }));
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('payload_too_large');

    const missing = await get(newWorkspaceId());
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('workspace_not_found');
  });

  it('refuses __proto__ like any unknown key, at the top and as a label', async () => {
    const ws = newWorkspaceId();
    for (const body of ['{"__proto__":{"polluted":true}}', `{"generic_secrets_config_json":{"__proto__":"${secretRoot()}/workspaces/${ws}/x"}}`, `{"generic_secrets_config_json":"{\\"__proto__\\":\\"x\\"}"}`]) {
      const response = await put(ws, body);
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('invalid_workspace_settings');
      expect(response.json.error.message).toContain('__proto__');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await get(ws)).status).toBe(404); // nothing was stored
  });

  it('validates active_kafka_topics_list entries as Kafka topic names and bounds the list', async () => {
    const ws = newWorkspaceId();
    for (const bad of ['\ud800', 'a\u0000b', '../../x', '..', 'ionflux/shopify', '', 'x'.repeat(250)]) {
      // JSON.stringify writes a lone surrogate and a NUL as \u escapes: valid JSON carrying them.
      const response = await put(ws, JSON.stringify({ active_kafka_topics_list: ['ionflux.platform.ok', bad] }));
      expect(response.status).toBe(400);
      expect(response.json.error.details.problems).toEqual([expect.stringMatching(/^active_kafka_topics_list\.1: .* is not a Kafka topic name/)]);
    }
    const many = await put(ws, JSON.stringify({ active_kafka_topics_list: Array.from({ length: 12_000 }, () => 'a') }));
    expect(many.status).toBe(400);
    expect(many.json.error.message).toMatch(/active_kafka_topics_list: Too big: expected array to have <=500 items/);
    const ok = await put(ws, JSON.stringify({ active_kafka_topics_list: [`ionflux.shopify.ws_${ws}.orders.created`, 'ionflux.platform.llm_usage'] }));
    expect(ok.status).toBe(200);
    // Well-formed, so accepted; not stored: the list is derived from the workspace's agent registrations.
    expect(ok.json.settings.active_kafka_topics_list).toBeUndefined();
  });
});

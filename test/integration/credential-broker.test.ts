/**
 * Workspace credentials (PUT/GET/DELETE) and the credential broker through the handlers, on moto and the
 * real Kafka: shapes checked against the catalog, listings without values, only declared labels handed
 * out, only from the workspace's own prefix, every resolution audited on ionflux.platform.credential_access.
 */
import { handler as deleteCredential } from '../../functions/credentials/delete';
import { handler as getCredential } from '../../functions/credentials/get';
import { handler as listCredentials } from '../../functions/credentials/list';
import { handler as putCredential } from '../../functions/credentials/put';
import { handler as resolve } from '../../functions/credentials/resolve';
import { topics } from '../../shared/events/topics';
import { connectionSecretName } from '../../shared/secrets/names';
import { agentRegistry } from '../../shared/runtime/agents';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { secretStore } from '../../shared/runtime/secrets';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { invokeHttp } from '../support/http';
import { recordSecretValue, storeSecret } from '../support/secrets';

beforeAll(() => useLocalServices());
afterAll(() => resetEnvironment());

const credentialRoute = (method: string) => `${method} /v1/workspaces/{workspace_id}/credentials/{label}`;
const put = (ws: string, label: string, body: unknown) =>
  invokeHttp(putCredential, {
    method: 'PUT',
    rawPath: `/v1/workspaces/${ws}/credentials/${label}`,
    routeKey: credentialRoute('PUT'),
    pathParameters: { workspace_id: ws, label },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const list = (ws: string) =>
  invokeHttp(listCredentials, { method: 'GET', rawPath: `/v1/workspaces/${ws}/credentials`, routeKey: 'GET /v1/workspaces/{workspace_id}/credentials', pathParameters: { workspace_id: ws } });
const get = (ws: string, label: string) =>
  invokeHttp(getCredential, { method: 'GET', rawPath: `/v1/workspaces/${ws}/credentials/${label}`, routeKey: credentialRoute('GET'), pathParameters: { workspace_id: ws, label } });
const remove = (ws: string, label: string) =>
  invokeHttp(deleteCredential, { method: 'DELETE', rawPath: `/v1/workspaces/${ws}/credentials/${label}`, routeKey: credentialRoute('DELETE'), pathParameters: { workspace_id: ws, label } });
const resolveCredentials = (body: unknown) =>
  invokeHttp(resolve, { method: 'POST', rawPath: '/v1/credentials/resolve', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const jira = { site: 'https://acme.atlassian.net', email: 'ops@acme.test', api_token: 'ATATT-jira-token-value-0001' };
const hubspot = { private_app_token: 'pat-na1-hubspot-token-value-0002' };

async function auditEvents(ws: string, since: number) {
  return (await eventBus().readAll(topics.platform('credential_access'), { since })).map((r) => JSON.parse(r.value)).filter((e) => e.workspace_id === ws);
}

describe('workspace credentials API', () => {
  it('stores a value checked against the catalog under the workspace prefix, maps the label, lists without values, deletes', async () => {
    const ws = newWorkspaceId();
    for (const v of [...Object.values(jira), ...Object.values(hubspot)]) recordSecretValue(v);
    const stored = await put(ws, 'jira', { value: jira });
    expect(stored.status).toBe(200);
    expect(stored.json).toMatchObject({ label: 'jira', service: 'jira', official: true, secret_name: `${secretRoot()}/workspaces/${ws}/credentials/jira`, fields: ['api_token', 'email', 'site'] });
    expect(stored.text).not.toContain(jira.api_token);
    expect(JSON.parse((await secretStore().get(stored.json.secret_name))!)).toEqual(jira);
    expect((await workspaceDirectory().get(ws, { fresh: true }))!.settings.generic_secrets_config_json.jira).toBe(stored.json.secret_name);

    expect((await put(ws, 'crm', { service: 'hubspot', value: hubspot })).status).toBe(200);
    expect((await put(ws, 'my_tool', { service: 'custom', value: { api_key: 'custom-tool-key-0003' } })).json.service).toBe('custom');
    recordSecretValue('custom-tool-key-0003');

    const listed = await list(ws);
    expect(listed.status).toBe(200);
    expect(listed.json.credentials.map((c: { label: string; service: string }) => [c.label, c.service])).toEqual([
      ['crm', 'hubspot'],
      ['jira', 'jira'],
      ['my_tool', 'custom'],
    ]);
    for (const c of listed.json.credentials) expect(c.set_at).toEqual(expect.any(String));
    for (const v of [...Object.values(jira), ...Object.values(hubspot), 'custom-tool-key-0003']) expect(listed.text).not.toContain(v);
    expect((await get(ws, 'crm')).json).toMatchObject({ label: 'crm', service: 'hubspot', fields: ['private_app_token'] });

    expect((await remove(ws, 'crm')).status).toBe(204);
    expect(await secretStore().get(`${secretRoot()}/workspaces/${ws}/credentials/crm`)).toBeUndefined();
    expect((await list(ws)).json.credentials.map((c: { label: string }) => c.label)).toEqual(['jira', 'my_tool']);
    expect((await get(ws, 'crm')).status).toBe(404);
    expect((await remove(ws, 'crm')).status).toBe(404);
  });

  it('refuses values that do not fit the shape, naming fields and never echoing values', async () => {
    const ws = newWorkspaceId();
    const wrong = await put(ws, 'slack', { value: { bot_token: 'xoxp-user-token-not-bot-0004', surprise: 'zzz' } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe('invalid_credential');
    expect(wrong.json.error.details.problems).toEqual(expect.arrayContaining([expect.stringMatching(/bot_token does not look like/), expect.stringMatching(/surprise is not a field of slack/)]));
    expect(wrong.text).not.toContain('xoxp-user-token-not-bot-0004');
    expect(wrong.json.error.details.expected.bot_token).toMatch(/^required/);
    const unknown = await put(ws, 'widgets', { value: { key: 'k' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/"service": "custom"/);
    expect((await put(ws, 'Bad Label', { value: { key: 'k' } })).status).toBe(400);
    expect((await list(ws)).json.credentials).toEqual([]);
  });
});

describe('credential broker', () => {
  it('hands out declared, configured labels and audits every resolution, granted or refused', async () => {
    const ws = newWorkspaceId();
    await agentRegistry().register(ws, 'crm_sync', { triggers_config_json_array: [], outputs_config_json_array: [], required_credentials: ['jira', 'crm', 'notion'] });
    for (const v of [...Object.values(jira), ...Object.values(hubspot)]) recordSecretValue(v);
    await put(ws, 'jira', { value: jira });
    await put(ws, 'crm', { service: 'hubspot', value: hubspot });
    const since = Date.now() - 1000;

    const granted = await resolveCredentials({ workspace_id: ws, agent_id: 'crm_sync', execution_id: 'exec-1', labels: ['jira', 'crm'] });
    expect(granted.status).toBe(200);
    expect(granted.headers['cache-control']).toBe('no-store');
    expect(granted.json.credentials).toEqual({ jira, crm: hubspot });
    expect(Date.parse(granted.json.expires_at)).toBeGreaterThan(Date.now());

    const undeclared = await resolveCredentials({ workspace_id: ws, agent_id: 'crm_sync', execution_id: 'exec-2', labels: ['jira', 'openai'] });
    expect(undeclared.status).toBe(403);
    expect(undeclared.json.error.code).toBe('credential_not_declared');
    expect(undeclared.json.error.details.labels).toEqual(['openai']);
    expect(undeclared.text).not.toContain(jira.api_token);

    const unconfigured = await resolveCredentials({ workspace_id: ws, agent_id: 'crm_sync', execution_id: 'exec-3', labels: ['notion'] });
    expect(unconfigured.status).toBe(404);
    expect(unconfigured.json.error.code).toBe('credential_not_configured');
    expect(unconfigured.json.error.message).toContain(`PUT /v1/workspaces/${ws}/credentials/notion`);
    expect(unconfigured.json.error.details.expected.notion.fields.token).toMatch(/^required/);

    expect((await resolveCredentials({ workspace_id: ws, agent_id: 'ghost', execution_id: 'exec-4', labels: ['jira'] })).json.error.code).toBe('agent_not_registered');
    expect((await resolveCredentials({ workspace_id: ws, agent_id: 'crm_sync', execution_id: 'exec 5', labels: [] })).status).toBe(400);

    const audit = await auditEvents(ws, since);
    expect(audit.map((e) => [e.payload_json.execution_id, e.payload_json.outcome, e.payload_json.reason])).toEqual([
      ['exec-1', 'granted', null],
      ['exec-2', 'refused', 'credential_not_declared'],
      ['exec-3', 'refused', 'credential_not_configured'],
      ['exec-4', 'refused', 'agent_not_registered'],
    ]);
    const first = audit[0]!;
    expect(first).toMatchObject({ event_type: 'platform.credential.accessed', source_service_name: 'credential-broker' });
    expect(first.payload_json).toMatchObject({ agent_id: 'crm_sync', labels: ['jira', 'crm'], granted_labels: ['jira', 'crm'] });
    expect(first.payload_json.secret_names).toEqual({ jira: `${secretRoot()}/workspaces/${ws}/credentials/jira`, crm: `${secretRoot()}/workspaces/${ws}/credentials/crm` });
    const text = JSON.stringify(audit);
    for (const v of [...Object.values(jira), ...Object.values(hubspot)]) expect(text).not.toContain(v);
  });

  it('never serves a secret outside the workspace prefix, such as the platform’s connection tokens', async () => {
    const ws = newWorkspaceId();
    const other = newWorkspaceId();
    await agentRegistry().register(ws, 'shop_agent', { triggers_config_json_array: [], outputs_config_json_array: [], required_credentials: ['shopify_token'] });
    const tokens = connectionSecretName(secretRoot(), 'shopify', ws, 'acme.myshopify.com');
    await storeSecret(tokens, { access_token: 'shpat_connection-token-value-0005' });
    // A mapping the settings API would refuse, written straight to the table: the broker refuses it too.
    const { table } = await import('../../shared/runtime/storage');
    await table('workspaces').put({ pk: ws, record: { workspace_id: ws, settings: { generic_secrets_config_json: { shopify_token: tokens } }, updated_at: new Date().toISOString() } });
    const refused = await resolveCredentials({ workspace_id: ws, agent_id: 'shop_agent', execution_id: 'e1', labels: ['shopify_token'] });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('secret_mapping_refused');
    expect(refused.text).not.toContain('shpat_connection-token-value-0005');
    // Another workspace's credential is not reachable either.
    await put(other, 'jira', { value: jira });
    await table('workspaces').put({ pk: ws, record: { workspace_id: ws, settings: { generic_secrets_config_json: { shopify_token: `${secretRoot()}/workspaces/${other}/credentials/jira` } }, updated_at: new Date().toISOString() } });
    expect((await resolveCredentials({ workspace_id: ws, agent_id: 'shop_agent', execution_id: 'e2', labels: ['shopify_token'] })).status).toBe(403);
  });
});

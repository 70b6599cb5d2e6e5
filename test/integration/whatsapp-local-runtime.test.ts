/**
 * `npm run dev` runs all of WhatsApp on the embedded defaults, with the Graph API wherever the platform
 * secret's base_url points (here the fake, started as the dev tool that delivers status webhooks back):
 * the handshake, a signed inbound message, a send through the local HTTP API (bearer token), the opt-in
 * routes that share a path, templates, and the events on the embedded bus.
 */
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { topics } from '../../shared/events/topics';
import { connectionRegistry } from '../../shared/runtime/connections';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { secretStore } from '../../shared/runtime/secrets';
import { platformSecretName } from '../../shared/secrets/names';
import { signedWhatsAppHeaders } from '../../shared/webhooks/providers/whatsapp/signature';
import { secretRoot, useEmbedded } from '../support/environment';
import { recordSecretValue } from '../support/secrets';
import { FakeGraph } from '../fakes/whatsapp/fake-graph';
import { inboundMessageWebhook, metaJson } from '../fakes/whatsapp/webhooks';

const TOKEN = 'local-whatsapp-token';
const ws = 'wa_local';
const number = { phoneNumberId: '106540352240001', wabaId: '102290129340001' };
const user = '5511987650001';

let runtime: LocalRuntime;
let fake: FakeGraph;
let webhookUrl = '';
beforeAll(async () => {
  await useEmbedded();
  runtime = await startLocalRuntime({ port: 0, internalToken: TOKEN, triggers: false, log: () => undefined });
  webhookUrl = `${runtime.http.url}/webhooks/whatsapp`;
  fake = await new FakeGraph({ webhookUrl, onSecretIssued: recordSecretValue }).start();
  fake.addNumber(number.phoneNumberId, number.wabaId);
  fake.addTemplate(number.wabaId, { name: 'order_update', language: 'pt_BR', status: 'APPROVED', category: 'UTILITY', components: [] });
  const systemToken = fake.systemToken();
  await secretStore().put(platformSecretName(secretRoot(), 'whatsapp'), JSON.stringify({ app_id: fake.appId, app_secret: fake.appSecret, verify_token: 'local-verify', access_token: systemToken, base_url: fake.url }));
  recordSecretValue(fake.appSecret);
  await connectionRegistry().connect('whatsapp_waba', number.wabaId, ws);
  await connectionRegistry().connect('whatsapp', number.phoneNumberId, ws, { waba_id: number.wabaId });
});
afterAll(async () => {
  await fake?.stop();
  await runtime?.stop();
  await resetEnvironment();
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${runtime.http.url}/v1/whatsapp/workspaces/${ws}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

describe('WhatsApp on the local runtime (embedded stores, fake Graph API)', () => {
  it('answers Meta’s handshake', async () => {
    const ok = await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=local-verify&hub.challenge=987654`);
    expect([ok.status, await ok.text()]).toEqual([200, '987654']);
    expect((await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).toBe(403);
  });

  it('takes a signed inbound message, sends a reply, and receives its statuses back from the fake', async () => {
    const body = metaJson(inboundMessageWebhook(number, { from: user, text: 'Oi! Meu pedido já saiu? 📦' }));
    const inbound = await fetch(webhookUrl, { method: 'POST', headers: signedWhatsAppHeaders(body, fake.appSecret), body });
    expect(inbound.status).toBe(200);
    const incoming = await eventBus().readAll(topics.whatsapp(ws, 'incoming_message'));
    expect(incoming.map((r) => JSON.parse(r.value).payload_json.text.body)).toEqual(['Oi! Meu pedido já saiu? 📦']);

    const sent = await api('/messages', { method: 'POST', body: JSON.stringify({ phone_number_id: number.phoneNumberId, to: user, type: 'text', text: { body: 'Saiu sim!' } }) });
    expect(sent.status).toBe(202);
    const { message_id } = (await sent.json()) as { message_id: string };
    expect(fake.sent.map((s) => s.wamid)).toEqual([message_id]);
    // The fake (as a dev tool) delivers sent, delivered and read to the local runtime's webhook.
    let statuses: Array<{ value: string }> = [];
    for (const started = Date.now(); statuses.length < 3 && Date.now() - started < 10_000; await new Promise((r) => setTimeout(r, 100))) {
      statuses = await eventBus().readAll(topics.whatsapp(ws, 'message_status'));
    }
    expect(statuses.map((r) => JSON.parse(r.value).event_type)).toEqual(['whatsapp.message.sent', 'whatsapp.message.delivered', 'whatsapp.message.read']);
  });

  it('serves the opt-in routes (POST, GET and DELETE on one path) and the template list', async () => {
    expect((await api('/opt-ins', { method: 'POST', body: JSON.stringify({ phone_number_id: number.phoneNumberId, wa_id: user, source: 'web_form', text_shown: 'Quero receber novidades da Acme no WhatsApp' }) })).status).toBe(201);
    expect(((await (await api(`/opt-ins/${user}`)).json()) as { status: string }).status).toBe('opted_in');
    expect(((await (await api(`/opt-ins/${user}`, { method: 'DELETE' })).json()) as { status: string }).status).toBe('opted_out');
    const templates = (await (await api(`/templates?waba_id=${number.wabaId}`)).json()) as { templates: Array<{ name: string }> };
    expect(templates.templates.map((t) => t.name)).toEqual(['order_update']);
    expect((await api('/messages', { method: 'POST', body: '{}', headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
  });
});

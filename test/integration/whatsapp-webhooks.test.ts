/**
 * WhatsApp webhooks end to end against the real broker and moto, with bodies built and signed as Meta
 * does: the GET handshake; signature over the raw bytes (emoji, `\/`); inbound messages → one event each
 * (redeliveries and re-batches publish nothing twice); statuses out of order → every status once, the
 * stored status never regressing; STOP/START → consent registry + events; unknown numbers parked, then
 * replayed once connected; template status changes; 131048/131050 in failed statuses.
 */
import { topics } from '../../shared/events/topics';
import { connectionRegistry } from '../../shared/runtime/connections';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { numberStates, optInRegistry, templateCache, whatsappMessages } from '../../shared/runtime/whatsapp-core';
import { replayableWebhookProviders } from '../../shared/runtime/whatsapp-webhooks';
import { replayParked } from '../../shared/webhooks/replay';
import { newWorkspaceId } from '../support/environment';
import {
  connectNumber,
  deliverWebhook,
  eventsIn,
  fileStartedAt,
  newNumber,
  newUser,
  sendMessage,
  startWhatsAppEnvironment,
  stopWhatsAppEnvironment,
  verifyRequest,
  VERIFY_TOKEN,
  type WhatsAppEnvironment,
} from '../fakes/whatsapp/harness';
import { envelope, inboundMessageWebhook, messagesValue, metaJson, statusUpdate, statusWebhook, templateStatusWebhook, textMessage } from '../fakes/whatsapp/webhooks';

let env: WhatsAppEnvironment;
beforeAll(async () => {
  env = await startWhatsAppEnvironment();
});
afterAll(() => stopWhatsAppEnvironment(env));

const incoming = (ws: string) => eventsIn(topics.whatsapp(ws, 'incoming_message'));
const statuses = (ws: string) => eventsIn(topics.whatsapp(ws, 'message_status'));
const consent = (ws: string) => eventsIn(topics.whatsapp(ws, 'opt_in_status'));
const fanIn = async (ws: string) => (await eventsIn(topics.allWorkspaces('whatsapp'), fileStartedAt)).filter((r) => r.event.workspace_id === ws);

describe('GET /webhooks/whatsapp (verification handshake)', () => {
  it('answers the challenge as text when the verify token matches, 403 with nothing to learn otherwise', async () => {
    const ok = await verifyRequest(`hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY_TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('1158201444');
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    for (const query of [`hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong`, `hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=${VERIFY_TOKEN}`, `hub.challenge=1`, '']) {
      const refused = await verifyRequest(query);
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('verification_refused');
      expect(refused.text).not.toMatch(/secret|ionflux\/|verify_token|npx/);
    }
  });
});

describe('POST /webhooks/whatsapp', () => {
  it('verifies the raw bytes (emoji, \\/ escapes) and publishes the message with Meta’s fields, on the workspace topic and the fan-in', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    const from = newUser();
    const wamid = `wamid.emoji-${from}`;
    const message = textMessage({ from, text: 'Olá 😀 pedido https://loja.example/p/42 ✅', wamid, context: { from: '15550001111', id: 'wamid.previous' } });
    const payload = envelope([{ wabaId: number.wabaId, changes: [{ field: 'messages', value: messagesValue(number, { contacts: [{ profile: { name: 'Zoë' }, wa_id: from }], messages: [message] }) }] }]);
    const raw = metaJson(payload);
    expect(raw).toMatch(/\\ud83d\\ude00.*https:\\\/\\\/loja/);
    const response = await deliverWebhook(env.fake, undefined, { raw });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'accepted', deliveries: [{ status: 'accepted', kind: 'message.text', via: 'kafka' }] });

    const records = await incoming(ws);
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record!.key).toBe(`${number.phoneNumberId}:${from}`);
    expect(record!.event).toMatchObject({
      event_type: 'whatsapp.message.received',
      workspace_id: ws,
      source_service_name: 'webhook-whatsapp',
      timestamp: new Date(Number(message.timestamp) * 1000).toISOString(),
      payload_json: {
        from,
        id: wamid,
        wamid,
        wa_id: from,
        profile_name: 'Zoë',
        type: 'text',
        text: { body: 'Olá 😀 pedido https://loja.example/p/42 ✅' },
        context: { from: '15550001111', id: 'wamid.previous' },
        timestamp: message.timestamp,
        phone_number_id: number.phoneNumberId,
        waba_id: number.wabaId,
        display_phone_number: '15550001111',
      },
    });
    expect((await fanIn(ws)).map((r) => r.event.event_id)).toEqual([record!.event.event_id]);
  });

  it('answers 401 and publishes nothing for forged, re-serialised, truncated or unsigned bodies', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    const payload = inboundMessageWebhook(number, { from: newUser(), text: 'Café ☕ https://x.example/a' });
    const raw = metaJson(payload);
    const cases = [
      await deliverWebhook(env.fake, undefined, { raw, secret: 'not-the-app-secret' }),
      await deliverWebhook(env.fake, undefined, { raw: JSON.stringify(JSON.parse(raw)), signature: (await import('../../shared/webhooks/providers/whatsapp/signature')).signWhatsAppWebhook(raw, env.fake.appSecret) }),
      await deliverWebhook(env.fake, undefined, { raw: raw.slice(0, -1), signature: (await import('../../shared/webhooks/providers/whatsapp/signature')).signWhatsAppWebhook(raw, env.fake.appSecret) }),
      await deliverWebhook(env.fake, undefined, { raw, signature: null }),
    ];
    expect(cases.map((r) => [r.status, r.json.error.code])).toEqual([
      [401, 'invalid_signature'],
      [401, 'invalid_signature'],
      [401, 'invalid_signature'],
      [401, 'missing_signature'],
    ]);
    expect(await incoming(ws)).toHaveLength(0);
  });

  it('publishes a redelivered message once, in the same batch or another', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    const from = newUser();
    const m1 = textMessage({ from, text: 'first', wamid: `wamid.r1-${from}` });
    const m2 = textMessage({ from, text: 'second', wamid: `wamid.r2-${from}` });
    const single = envelope([{ wabaId: number.wabaId, changes: [{ field: 'messages', value: messagesValue(number, { messages: [m1] }) }] }]);
    const batch = envelope([{ wabaId: number.wabaId, changes: [{ field: 'messages', value: messagesValue(number, { messages: [m1, m2] }) }] }]);
    const answers = [await deliverWebhook(env.fake, single), await deliverWebhook(env.fake, single), await deliverWebhook(env.fake, batch), await deliverWebhook(env.fake, batch)];
    expect(answers.map((a) => a.json.status)).toEqual(['accepted', 'duplicate', 'mixed', 'duplicate']);
    const records = await incoming(ws);
    expect(records.map((r) => r.event.payload_json.text.body)).toEqual(['first', 'second']);
  });

  it('publishes statuses that arrive out of order once each, and the stored status never goes back', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    const to = newUser();
    const wamid = `wamid.out-${to}`;
    const t = Date.now() - 60_000;
    // read arrives first; then a late delivered, then a late sent (each possibly redelivered).
    const read = statusWebhook(number, [statusUpdate({ wamid, status: 'read', recipient: to, at: t + 3000, clientReference: 'order-42' })]);
    const delivered = statusWebhook(number, [statusUpdate({ wamid, status: 'delivered', recipient: to, at: t + 2000 })]);
    const sent = statusWebhook(number, [statusUpdate({ wamid, status: 'sent', recipient: to, at: t + 1000 })]);
    for (const body of [read, delivered, delivered, sent, read]) expect((await deliverWebhook(env.fake, body)).status).toBe(200);

    const records = await statuses(ws);
    expect(records.map((r) => r.event.event_type)).toEqual(['whatsapp.message.read', 'whatsapp.message.delivered', 'whatsapp.message.sent']);
    expect(records.every((r) => r.key === wamid)).toBe(true);
    expect(records.map((r) => [r.event.payload_json.status, r.event.payload_json.current_status, r.event.payload_json.late])).toEqual([
      ['read', 'read', false],
      ['delivered', 'read', true],
      ['sent', 'read', true],
    ]);
    expect(records[0]!.event.payload_json).toMatchObject({ recipient_id: to, client_reference: 'order-42', biz_opaque_callback_data: 'order-42', pricing: { category: 'utility' } });
    expect(await whatsappMessages().message(wamid)).toMatchObject({ status: 'read' });
  });

  it('STOP opts the user out (registry + whatsapp.opt_out) and START opts them back in, in order within one batch', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    const user = newUser();
    const t = Date.now() - 10_000;
    expect((await deliverWebhook(env.fake, inboundMessageWebhook(number, { from: user, text: ' Stop! ', at: t }))).status).toBe(200);
    expect(await optInRegistry().get(ws, user)).toMatchObject({ status: 'opted_out', source: 'stop_word', phone_number_id: number.phoneNumberId });
    const refused = await sendMessage(ws, { phone_number_id: number.phoneNumberId, to: user, type: 'text', text: { body: 'are you sure?' } });
    expect([refused.status, refused.json.error.code]).toEqual([409, 'recipient_opted_out']);

    const batch = envelope([{ wabaId: number.wabaId, changes: [{ field: 'messages', value: messagesValue(number, { messages: [textMessage({ from: user, text: 'START', at: t + 2000 }), textMessage({ from: user, text: 'PARAR', at: t + 3000 }), textMessage({ from: user, text: 'start', at: t + 4000 })] }) }] }]);
    expect((await deliverWebhook(env.fake, batch)).status).toBe(200);
    expect(await optInRegistry().get(ws, user)).toMatchObject({ status: 'opted_in', source: 'start_word' });
    const events = await consent(ws);
    expect(events.map((r) => r.event.event_type)).toEqual(['whatsapp.opt_out', 'whatsapp.opt_in', 'whatsapp.opt_out', 'whatsapp.opt_in']);
    expect(events[0]!.event.payload_json).toMatchObject({ wa_id: user, status: 'opted_out', scope: 'all', via: 'stop_word', phone_number_id: number.phoneNumberId });
    expect((await incoming(ws)).map((r) => r.event.payload_json.opt_keyword)).toEqual(['stop', 'start', 'stop', 'start']);
    expect((await fanIn(ws)).filter((r) => r.event.event_type === 'whatsapp.opt_out')).toHaveLength(2);
    // A late STOP (older than the START recorded) changes nothing and publishes no opt-out.
    expect((await deliverWebhook(env.fake, inboundMessageWebhook(number, { from: user, text: 'STOP', at: t + 1000 }))).status).toBe(200);
    expect(await optInRegistry().get(ws, user)).toMatchObject({ status: 'opted_in' });
    expect(await consent(ws)).toHaveLength(4);
  });

  it('parks messages for a number no workspace has, and replays them once it is connected (then never again)', async () => {
    const ws = newWorkspaceId('wa');
    const known = await connectNumber(env.fake, ws);
    const unknown = newNumber();
    const user = newUser();
    // One POST with two changes: a known number's message, and two for a number not yet connected.
    const body = envelope([
      { wabaId: known.wabaId, changes: [{ field: 'messages', value: messagesValue(known, { messages: [textMessage({ from: user, text: 'known' })] }) }] },
      { wabaId: unknown.wabaId, changes: [{ field: 'messages', value: messagesValue(unknown, { messages: [textMessage({ from: user, text: 'early 1' }), textMessage({ from: user, text: 'early 2' })] }) }] },
    ]);
    const response = await deliverWebhook(env.fake, body);
    expect(response.status).toBe(200);
    expect(response.json.deliveries.map((d: { status: string }) => d.status)).toEqual(['accepted', 'parked', 'parked']);
    const parked = await webhookDeps().parked.list({ provider: 'whatsapp', accountId: unknown.phoneNumberId });
    expect(parked).toHaveLength(1); // one request parked once for its account, with both messages

    const stillUnknown = await replayParked(replayableWebhookProviders(), webhookDeps(), { deadline: Date.now() + 10_000, provider: 'whatsapp', accountId: unknown.phoneNumberId });
    expect(stillUnknown).toMatchObject({ replayed: 0, stillParked: 1 });

    const later = newWorkspaceId('wa');
    await connectionRegistry().connect('whatsapp', unknown.phoneNumberId, later, { waba_id: unknown.wabaId });
    const report = await replayParked(replayableWebhookProviders(), webhookDeps(), { deadline: Date.now() + 10_000, provider: 'whatsapp', accountId: unknown.phoneNumberId });
    expect(report).toMatchObject({ replayed: 1, stillParked: 0, failed: 0 });
    expect((await incoming(later)).map((r) => r.event.payload_json.text.body)).toEqual(['early 1', 'early 2']);
    // The known number's message was not published again by the replay, and a second replay finds nothing.
    expect(await incoming(ws)).toHaveLength(1);
    expect(await replayParked(replayableWebhookProviders(), webhookDeps(), { deadline: Date.now() + 10_000, provider: 'whatsapp', accountId: unknown.phoneNumberId })).toMatchObject({ replayed: 0 });
    // Replayed messages open the window from their own time (they are recent here).
    expect(await whatsappMessages().lastInbound(unknown.phoneNumberId, user)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('publishes template status changes on the template_status topic and keeps the cached template current', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    await templateCache().upsert(number.wabaId, { id: '594425479261596', name: 'order_update', language: 'en_US', status: 'PENDING', category: 'UTILITY', parameter_format: null, components: [], rejected_reason: null, quality_score: null, updated_at: new Date().toISOString() });
    const body = templateStatusWebhook(number.wabaId, { templateId: '594425479261596', name: 'order_update', language: 'en_US', event: 'APPROVED' });
    expect((await deliverWebhook(env.fake, body)).json.status).toBe('accepted');
    expect((await deliverWebhook(env.fake, body)).json.status).toBe('duplicate');
    const records = await eventsIn(topics.whatsapp(ws, 'template_status'));
    expect(records.map((r) => r.event.event_type)).toEqual(['whatsapp.template.approved']);
    expect(records[0]!.event.payload_json).toMatchObject({ waba_id: number.wabaId, message_template_name: 'order_update', event: 'APPROVED' });
    expect(await templateCache().find(number.wabaId, 'order_update', 'en_US')).toMatchObject({ status: 'APPROVED' });
  });

  it('a failed status with 131050 records a marketing opt-out; with 131048 it pauses the number', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    const user = newUser();
    const marketing = statusWebhook(number, [statusUpdate({ wamid: `wamid.mk-${user}`, status: 'failed', recipient: user, errors: [{ code: 131050, title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business' }] })]);
    expect((await deliverWebhook(env.fake, marketing)).status).toBe(200);
    expect((await optInRegistry().get(ws, user))?.marketing_opt_outs).toHaveProperty(number.phoneNumberId);
    const [failed] = await statuses(ws);
    expect(failed!.event).toMatchObject({ event_type: 'whatsapp.message.failed', payload_json: { errors: [{ code: 131050, ionflux_code: 'recipient_opted_out' }] } });
    expect((await consent(ws)).map((r) => [r.event.event_type, r.event.payload_json.scope, r.event.payload_json.via])).toEqual([['whatsapp.opt_out', 'marketing', 'meta_marketing_opt_out']]);

    const spam = statusWebhook(number, [statusUpdate({ wamid: `wamid.sp-${user}`, status: 'failed', recipient: user, errors: [{ code: 131048, title: 'Spam rate limit hit' }] })]);
    expect((await deliverWebhook(env.fake, spam)).status).toBe(200);
    expect(await numberStates().pause(number.phoneNumberId)).toMatchObject({ reason: expect.stringMatching(/131048/) });
    const paused = await eventsIn(topics.whatsapp(ws, 'account_status'));
    expect(paused.map((r) => r.event.event_type)).toEqual(['whatsapp.phone_number.paused']);
  });

  it('refuses a malformed (but signed) body with 400', async () => {
    const response = await deliverWebhook(env.fake, { object: 'page', entry: [] });
    expect([response.status, response.json.error.code]).toEqual([400, 'malformed_webhook']);
  });
});

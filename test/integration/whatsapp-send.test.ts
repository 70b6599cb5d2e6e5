/**
 * POST /v1/whatsapp/workspaces/{id}/messages against the fake Graph API, with moto and the real broker:
 * Meta's policy enforced before anything leaves (24-hour window, opt-in, opt-out, the number's owner),
 * media links through the SSRF guard, client_reference idempotency, and Meta's error codes mapped to
 * actions (rate limits retried, refusals with our code, 131048 pausing the number, 131050 recording a
 * marketing opt-out) — the caller never gets a raw Graph error.
 */
import { topics } from '../../shared/events/topics';
import { secretStore } from '../../shared/runtime/secrets';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { optInRegistry } from '../../shared/runtime/whatsapp-core';
import { newWorkspaceId, secretRoot } from '../support/environment';
import { recordSecretValue } from '../support/secrets';
import {
  connectNumber,
  deliverWebhook,
  eventsIn,
  newUser,
  recordOptIn,
  recordOptOut,
  readOptIn,
  sendMessage,
  startWhatsAppEnvironment,
  stopWhatsAppEnvironment,
  type WhatsAppEnvironment,
} from '../fakes/whatsapp/harness';
import { inboundMessageWebhook } from '../fakes/whatsapp/webhooks';

let env: WhatsAppEnvironment;
beforeAll(async () => {
  env = await startWhatsAppEnvironment();
});
afterAll(() => stopWhatsAppEnvironment(env));

/** A connected number and a user who wrote to it just now (an open customer service window). */
async function conversation(options: { writtenAt?: number } = {}) {
  const ws = newWorkspaceId('wa');
  const number = await connectNumber(env.fake, ws);
  const user = newUser();
  const hello = await deliverWebhook(env.fake, inboundMessageWebhook(number, { from: user, text: 'hello', ...(options.writtenAt ? { at: options.writtenAt } : {}) }));
  expect(hello.status).toBe(200);
  return { ws, number, user };
}
const text = (phone: string, to: string, extra: Record<string, unknown> = {}) => ({ phone_number_id: phone, to, type: 'text', text: { body: 'Your order shipped 📦' }, ...extra });
const template = (phone: string, to: string, name = 'order_update') => ({ phone_number_id: phone, to, type: 'template', template: { name, language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }] }] } });
const sentTo = (phone: string) => env.fake.sent.filter((s) => s.phoneNumberId === phone);

describe('sending WhatsApp messages', () => {
  it('sends a text inside the customer service window: 202 with the wamid, Meta’s body on the wire', async () => {
    const { ws, number, user } = await conversation();
    const response = await sendMessage(ws, text(number.phoneNumberId, `+${user.slice(0, 2)} ${user.slice(2)}`, { client_reference: 'order-42', context: { message_id: 'wamid.replied-to' } }));
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({ status: 'accepted', message_id: expect.stringMatching(/^wamid\./), phone_number_id: number.phoneNumberId, to: user, client_reference: 'order-42' });
    const [wire] = sentTo(number.phoneNumberId);
    expect(wire!.wamid).toBe(response.json.message_id);
    expect(wire!.body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: user, type: 'text', text: { body: 'Your order shipped 📦' }, context: { message_id: 'wamid.replied-to' }, biz_opaque_callback_data: 'order-42' });
    const request = env.fake.requests.find((r) => r.path === `/${number.phoneNumberId}/messages`);
    expect(request).toMatchObject({ version: 'v27.0', token: env.systemToken });
  });

  it('refuses a session message outside the 24-hour window (409), and sends once the user writes', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    const user = newUser();
    const never = await sendMessage(ws, text(number.phoneNumberId, user));
    expect([never.status, never.json.error.code]).toEqual([409, 'outside_customer_service_window']);
    expect(never.json.error.message).toMatch(/has not written.*only an approved template/);
    // A message from 25 hours ago does not open a window today.
    await deliverWebhook(env.fake, inboundMessageWebhook(number, { from: user, text: 'old', at: Date.now() - 25 * 3600_000 }));
    const stale = await sendMessage(ws, text(number.phoneNumberId, user));
    expect([stale.status, stale.json.error.code]).toEqual([409, 'outside_customer_service_window']);
    expect(stale.json.error.details).toMatchObject({ last_inbound_at: expect.any(String), window_closed_at: expect.any(String) });
    await deliverWebhook(env.fake, inboundMessageWebhook(number, { from: user, text: 'now' }));
    expect((await sendMessage(ws, text(number.phoneNumberId, user))).status).toBe(202);
    expect(sentTo(number.phoneNumberId)).toHaveLength(1);
  });

  it('sends a template only to a user who opted in, never to one who opted out', async () => {
    const ws = newWorkspaceId('wa');
    const number = await connectNumber(env.fake, ws);
    const user = newUser();
    const none = await sendMessage(ws, template(number.phoneNumberId, user));
    expect([none.status, none.json.error.code]).toEqual([409, 'no_opt_in']);

    const optIn = await recordOptIn(ws, { phone_number_id: number.phoneNumberId, wa_id: `+${user}`, source: 'checkout', text_shown: 'Receive order updates from Acme on WhatsApp' });
    expect(optIn.status).toBe(201);
    expect(optIn.json).toMatchObject({ wa_id: user, status: 'opted_in', source: 'checkout', text_shown: 'Receive order updates from Acme on WhatsApp', applied: true });
    const sent = await sendMessage(ws, template(number.phoneNumberId, user));
    expect(sent.status).toBe(202);
    expect(sentTo(number.phoneNumberId)[0]!.body.template).toEqual({ name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }] }] });

    const out = await recordOptOut(ws, user, { reason: 'asked by phone' });
    expect([out.status, out.json.status]).toEqual([200, 'opted_out']);
    const refused = await sendMessage(ws, template(number.phoneNumberId, user));
    expect([refused.status, refused.json.error.code]).toEqual([409, 'recipient_opted_out']);
    expect(sentTo(number.phoneNumberId)).toHaveLength(1);

    const read = await readOptIn(ws, user, 'history=true');
    expect(read.json).toMatchObject({ status: 'opted_out', source: 'api', reason: 'asked by phone', opted_in_at: expect.any(String), text_shown: 'Receive order updates from Acme on WhatsApp' });
    expect(read.json.history.map((h: { status: string }) => h.status)).toEqual(['opted_in', 'opted_out']);
    expect((await readOptIn(ws, newUser())).status).toBe(404);
    const events = await eventsIn(topics.whatsapp(ws, 'opt_in_status'));
    expect(events.map((r) => [r.event.event_type, r.event.payload_json.via])).toEqual([['whatsapp.opt_in', 'api'], ['whatsapp.opt_out', 'api']]);
  });

  it('refuses a number that is not this workspace’s (403), or not connected at all', async () => {
    const { number, user } = await conversation();
    const other = newWorkspaceId('wa');
    const theirs = await sendMessage(other, text(number.phoneNumberId, user));
    expect([theirs.status, theirs.json.error.code]).toEqual([403, 'phone_number_not_connected']);
    const nobody = await sendMessage(other, text('1065999999999999', user));
    expect([nobody.status, nobody.json.error.code]).toEqual([403, 'phone_number_not_connected']);
    expect(await recordOptIn(other, { phone_number_id: number.phoneNumberId, wa_id: user, source: 'web_form' })).toMatchObject({ status: 403 });
  });

  it('sends a client_reference once: a retry answers with the same message id', async () => {
    const { ws, number, user } = await conversation();
    const body = text(number.phoneNumberId, user, { client_reference: 'campaign-7:ada' });
    const [first, second] = [await sendMessage(ws, body), await sendMessage(ws, body)];
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.json).toMatchObject({ message_id: first.json.message_id, replayed: true });
    expect(sentTo(number.phoneNumberId)).toHaveLength(1);
  });

  it('checks media links with the SSRF guard before Meta is asked to fetch them', async () => {
    const { ws, number, user } = await conversation();
    for (const link of ['http://169.254.169.254/latest/meta-data/iam', 'http://10.0.0.5/img.png', 'file:///etc/passwd', 'ftp://example.org/a.jpg']) {
      const refused = await sendMessage(ws, { phone_number_id: number.phoneNumberId, to: user, type: 'image', image: { link: link, caption: 'x' } });
      expect([refused.status, refused.json.error.code]).toEqual([400, 'unsafe_url']);
    }
    await recordOptIn(ws, { phone_number_id: number.phoneNumberId, wa_id: user, source: 'web_form' });
    const headerRefused = await sendMessage(ws, { ...template(number.phoneNumberId, user), template: { name: 'promo', language: 'en_US', components: [{ type: 'header', parameters: [{ type: 'image', image: { link: 'http://192.168.1.1/x.png' } }] }] } });
    expect([headerRefused.status, headerRefused.json.error.code, headerRefused.json.error.message]).toEqual([400, 'unsafe_url', expect.stringMatching(/^template\.components\.0\.parameters\.0\.image\.link is refused/)]);
    expect(sentTo(number.phoneNumberId)).toHaveLength(0);
    // Loopback is allowed in the local runtime (and here): the guard passes, Meta gets the link.
    const ok = await sendMessage(ws, { phone_number_id: number.phoneNumberId, to: user, type: 'document', document: { link: `${env.fake.url}/files/invoice.pdf`, filename: 'invoice.pdf' } });
    expect(ok.status).toBe(202);
  });

  it('names every problem of a bad request (400) and sends nothing', async () => {
    const { ws, number, user } = await conversation();
    const cases: Array<[unknown, RegExp]> = [
      [{ phone_number_id: number.phoneNumberId, to: user, type: 'text' }, /text: is required/],
      [{ phone_number_id: number.phoneNumberId, to: user, type: 'text', text: { body: 'x' }, image: { link: 'https://a/b' } }, /image: not allowed/],
      [{ phone_number_id: number.phoneNumberId, to: user, type: 'image', image: { caption: 'no link' } }, /exactly one of link or id/],
      [{ phone_number_id: number.phoneNumberId, to: 'not-a-number', type: 'text', text: { body: 'x' } }, /to/],
      [{ phone_number_id: number.phoneNumberId, to: user, type: 'text', text: { body: 'x' }, priority: 'high' }, /priority/],
      [{ phone_number_id: number.phoneNumberId, to: user, type: 'sticker' }, /type/],
    ];
    for (const [body, problem] of cases) {
      const response = await sendMessage(ws, body);
      expect(response.status).toBe(400);
      expect(response.json.error.message).toMatch(problem);
    }
    expect(sentTo(number.phoneNumberId)).toHaveLength(0);
  });
});

describe('Meta’s errors, mapped to actions', () => {
  it('waits out throughput and rate limits (130429, 80007, HTTP 429, 4) and sends within the deadline', async () => {
    const { ws, number, user } = await conversation();
    // The first wait is our own backoff (~0.5 s); the others follow the Retry-After Meta sends (0 here, to keep the test short).
    env.fake.fail(
      number.phoneNumberId,
      { code: 130429, endpoint: 'messages' },
      { code: 80007, retryAfterS: 0, endpoint: 'messages' },
      { httpStatus: 429, retryAfterS: 0, endpoint: 'messages' },
      { code: 4, retryAfterS: 0, endpoint: 'messages' },
    );
    const response = await sendMessage(ws, text(number.phoneNumberId, user));
    expect(response.status).toBe(202);
    expect(sentTo(number.phoneNumberId)).toHaveLength(1);
  });

  it('answers 503 with Retry-After when the limit outlasts the request', async () => {
    const { ws, number, user } = await conversation();
    env.fake.fail(number.phoneNumberId, ...Array.from({ length: 4 }, () => ({ code: 131056, endpoint: 'messages' })));
    const response = await sendMessage(ws, text(number.phoneNumberId, user), 4);
    expect([response.status, response.json.error.code]).toEqual([503, 'whatsapp_rate_limited']);
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(response.json.error.details.graph).toMatchObject({ code: 131056, fbtrace_id: expect.any(String) });
  });

  it('maps refusals to our codes, with Meta’s words in details.graph', async () => {
    const { ws, number, user } = await conversation();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ code: 131047, details: 'Message failed to send because more than 24 hours have passed' }, 409, 'outside_customer_service_window'],
      [{ code: 131026, details: 'Message Undeliverable' }, 422, 'message_undeliverable'],
      [{ code: 132001, details: 'template name does not exist in the translation' }, 422, 'template_rejected'],
      [{ code: 190, httpStatus: 401 }, 502, 'whatsapp_token_rejected'],
      [{ code: 987_654 }, 502, 'whatsapp_request_failed'],
    ];
    for (const [failure, status, code] of cases) {
      env.fake.fail(number.phoneNumberId, { ...failure, endpoint: 'messages' });
      const response = await sendMessage(ws, text(number.phoneNumberId, user));
      expect([response.status, response.json.error.code]).toEqual([status, code]);
      expect(response.json.error.details.graph).toMatchObject({ code: failure.code, http_status: expect.any(Number) });
    }
    env.fake.markUndeliverable(user);
    expect((await sendMessage(ws, text(number.phoneNumberId, user))).json.error.code).toBe('message_undeliverable');
  });

  it('131048 pauses the number: later sends are refused without reaching Meta, and an alert event is published', async () => {
    const { ws, number, user } = await conversation();
    env.fake.fail(number.phoneNumberId, { code: 131048, details: 'Message failed to send because there are restrictions on how many messages can be sent from this phone number.', endpoint: 'messages' });
    const first = await sendMessage(ws, text(number.phoneNumberId, user));
    expect([first.status, first.json.error.code]).toEqual([409, 'phone_number_paused']);
    const before = env.fake.requests.length;
    const second = await sendMessage(ws, text(number.phoneNumberId, user));
    expect([second.status, second.json.error.code]).toEqual([409, 'phone_number_paused']);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(3000);
    expect(env.fake.requests.length).toBe(before);
    const alerts = await eventsIn(topics.whatsapp(ws, 'account_status'));
    expect(alerts.map((r) => r.event.event_type)).toEqual(['whatsapp.phone_number.paused']);
    expect(alerts[0]!.event.payload_json).toMatchObject({ phone_number_id: number.phoneNumberId, paused_until: expect.any(String) });
  });

  it('131050 records a marketing opt-out: marketing templates are refused from then on, utility ones still go', async () => {
    const { ws, number, user } = await conversation();
    env.fake.addTemplate(number.wabaId, { name: 'spring_sale', language: 'en_US', status: 'APPROVED', category: 'MARKETING', components: [] });
    env.fake.addTemplate(number.wabaId, { name: 'order_update', language: 'en_US', status: 'APPROVED', category: 'UTILITY', components: [] });
    await recordOptIn(ws, { phone_number_id: number.phoneNumberId, wa_id: user, source: 'web_form' });
    env.fake.fail(number.phoneNumberId, { code: 131050, endpoint: 'messages' });
    const first = await sendMessage(ws, template(number.phoneNumberId, user, 'spring_sale'));
    expect([first.status, first.json.error.code]).toEqual([409, 'recipient_opted_out']);
    expect((await optInRegistry().get(ws, user))?.marketing_opt_outs).toHaveProperty(number.phoneNumberId);
    const again = await sendMessage(ws, template(number.phoneNumberId, user, 'spring_sale'));
    expect([again.status, again.json.error.code, again.json.error.details.scope]).toEqual([409, 'recipient_opted_out', 'marketing']);
    expect((await sendMessage(ws, template(number.phoneNumberId, user, 'order_update'))).status).toBe(202);
    const events = await eventsIn(topics.whatsapp(ws, 'opt_in_status'));
    expect(events.map((r) => [r.event.event_type, r.event.payload_json.scope])).toEqual([['whatsapp.opt_in', 'all'], ['whatsapp.opt_out', 'marketing']]);
  });

  it('uses the workspace’s own token when generic_secrets_config_json maps "whatsapp"', async () => {
    const { ws, number, user } = await conversation();
    const name = `${secretRoot()}/workspaces/${ws}/whatsapp`;
    const token = env.fake.businessToken(number.wabaId);
    recordSecretValue(token);
    await secretStore().put(name, JSON.stringify({ access_token: token }));
    await workspaceDirectory().putSettings(ws, { generic_secrets_config_json: { whatsapp: name } });
    expect((await sendMessage(ws, text(number.phoneNumberId, user))).status).toBe(202);
    expect(env.fake.requests.filter((r) => r.path === `/${number.phoneNumberId}/messages`).at(-1)!.token).toBe(token);
  });

  it('answers 503 (never a hang) when Meta does not answer in time, and says the message may have gone', async () => {
    const { ws, number, user } = await conversation();
    env.fake.fail(number.phoneNumberId, { code: 130429, delayMs: 6000, endpoint: 'messages' });
    // Meta answers after 6 s; the function has 2 s: it gives up at its deadline and says so.
    const response = await sendMessage(ws, text(number.phoneNumberId, user), 2);
    expect([response.status, response.json.error.code]).toEqual([503, 'whatsapp_unconfirmed']);
    expect(response.json.error.message).toMatch(/may or may not have been carried out/);
  });
});

/**
 * Templates (a cached list read page by page, submit, delete) and Embedded Signup onboarding (code
 * exchange, the business token kept with the tokens the platform obtains, app subscribed, number
 * registered, connection recorded) against the fake Graph API, with moto and the real broker.
 */
import { topics } from '../../shared/events/topics';
import { connectionRegistry } from '../../shared/runtime/connections';
import { secretStore } from '../../shared/runtime/secrets';
import { connectionSecretName } from '../../shared/secrets/names';
import { newWorkspaceId, secretRoot } from '../support/environment';
import {
  connectNumber,
  deleteTemplate,
  deliverWebhook,
  eventsIn,
  listTemplates,
  newNumber,
  newUser,
  onboard,
  recordOptIn,
  sendMessage,
  startWhatsAppEnvironment,
  stopWhatsAppEnvironment,
  storePlatformSecret,
  submitTemplate,
  type WhatsAppEnvironment,
} from '../fakes/whatsapp/harness';
import { inboundMessageWebhook, templateStatusWebhook } from '../fakes/whatsapp/webhooks';

let env: WhatsAppEnvironment;
beforeAll(async () => {
  // Pages of 25 at most, whatever we ask for: a listing crosses several pages with few templates.
  env = await startWhatsAppEnvironment({ templatePageLimit: 25 });
});
afterAll(() => stopWhatsAppEnvironment(env));

const listCalls = (wabaId: string) => env.fake.requests.filter((r) => r.method === 'GET' && r.path === `/${wabaId}/message_templates`).length;
const body = [{ type: 'BODY', text: 'Hello {{1}}, your order {{2}} has shipped.', example: { body_text: [['Ada', '#1001']] } }];

describe('WhatsApp templates', () => {
  it('lists every page of a WABA’s templates, then serves the list from the cache until refreshed', async () => {
    const ws = newWorkspaceId('wa');
    const { wabaId } = await connectNumber(env.fake, ws);
    for (let i = 0; i < 60; i++) env.fake.addTemplate(wabaId, { name: `tpl_${String(i).padStart(3, '0')}`, language: 'en_US', status: i % 10 === 0 ? 'REJECTED' : 'APPROVED', category: i % 2 ? 'MARKETING' : 'UTILITY', components: body });
    const first = await listTemplates(ws, `waba_id=${wabaId}`);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ waba_id: wabaId, cached: false, fetched_at: expect.any(String) });
    expect(first.json.templates).toHaveLength(60);
    expect(first.json.templates[0]).toMatchObject({ name: 'tpl_000', language: 'en_US', status: 'REJECTED', category: 'UTILITY', id: expect.any(String) });
    expect(listCalls(wabaId)).toBe(3); // 25 per page

    const second = await listTemplates(ws, `waba_id=${wabaId}&status=approved`);
    expect(second.json.cached).toBe(true);
    expect(second.json.templates).toHaveLength(54);
    expect(listCalls(wabaId)).toBe(3);
    const refreshed = await listTemplates(ws, `waba_id=${wabaId}&refresh=true`);
    expect(refreshed.json.cached).toBe(false);
    expect(listCalls(wabaId)).toBe(6);
  });

  it('submits a template for review, keeps it in the list, follows its approval, deletes it', async () => {
    const ws = newWorkspaceId('wa');
    const { wabaId } = await connectNumber(env.fake, ws);
    const submission = { waba_id: wabaId, name: 'order_shipped', language: 'en_US', category: 'UTILITY', components: body };
    const created = await submitTemplate(ws, submission);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'order_shipped', language: 'en_US', status: 'PENDING', category: 'UTILITY', id: expect.any(String) });
    const duplicate = await submitTemplate(ws, submission);
    expect([duplicate.status, duplicate.json.error.code]).toEqual([409, 'template_exists']);
    expect(duplicate.json.error.details.graph).toMatchObject({ code: 100, subcode: 2388024 });

    await listTemplates(ws, `waba_id=${wabaId}`);
    const approved = await deliverWebhook(env.fake, templateStatusWebhook(wabaId, { templateId: created.json.id, name: 'order_shipped', language: 'en_US', event: 'APPROVED' }));
    expect(approved.status).toBe(200);
    const cached = await listTemplates(ws, `waba_id=${wabaId}`);
    expect(cached.json).toMatchObject({ cached: true, templates: [{ name: 'order_shipped', status: 'APPROVED' }] });
    expect((await eventsIn(topics.whatsapp(ws, 'template_status'))).map((r) => r.event.event_type)).toEqual(['whatsapp.template.approved']);

    const deleted = await deleteTemplate(ws, 'order_shipped', `waba_id=${wabaId}`);
    expect([deleted.status, deleted.json]).toEqual([200, { waba_id: wabaId, name: 'order_shipped', deleted: true }]);
    expect(env.fake.templates.get(wabaId)).toEqual([]);
    expect((await listTemplates(ws, `waba_id=${wabaId}`)).json.templates).toEqual([]);
    const again = await deleteTemplate(ws, 'order_shipped', `waba_id=${wabaId}`);
    expect([again.status, again.json.error.code]).toEqual([400, 'invalid_request']);
  });

  it('refuses a WABA that is not the workspace’s (403) and requests without waba_id or with a bad template (400)', async () => {
    const ws = newWorkspaceId('wa');
    const { wabaId } = await connectNumber(env.fake, ws);
    const other = newWorkspaceId('wa');
    expect((await listTemplates(other, `waba_id=${wabaId}`)).json.error.code).toBe('waba_not_connected');
    expect((await listTemplates(ws, '')).json.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/waba_id is required/) });
    const bad = await submitTemplate(ws, { waba_id: wabaId, name: 'Order Shipped', language: 'english', category: 'PROMO', components: [] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.problems.join(' ')).toMatch(/name.*language.*category.*components/s);
  });
});

describe('Embedded Signup onboarding', () => {
  it('exchanges the code, stores the business token apart, subscribes the app, registers the number and records the connection', async () => {
    const ws = newWorkspaceId('wa');
    const { phoneNumberId, wabaId } = newNumber();
    env.fake.addNumber(phoneNumberId, wabaId, { registered: false, throughput: 'HIGH', verifiedName: 'Acme Store', displayPhoneNumber: '15551234567' });
    const code = env.fake.signupCode(wabaId);
    const response = await onboard(ws, { code, phone_number_id: phoneNumberId, waba_id: wabaId });
    expect(response.status).toBe(201);
    const secret = connectionSecretName(secretRoot(), 'whatsapp', ws, wabaId);
    expect(response.json).toEqual({ phone_number_id: phoneNumberId, waba_id: wabaId, status: 'connected', display_phone_number: '15551234567', verified_name: 'Acme Store', quality_rating: 'GREEN', throughput_mps: 1000, token_secret: secret });

    const stored = JSON.parse((await secretStore().get(secret))!);
    expect(stored).toMatchObject({ access_token: expect.stringMatching(/^EAAG-business-/), waba_id: wabaId, workspace_id: ws, two_step_pins: { [phoneNumberId]: expect.stringMatching(/^\d{6}$/) } });
    expect(secret.startsWith(`${secretRoot()}/connections/whatsapp/${ws}/`)).toBe(true);
    expect(env.fake.subscribedApps.get(wabaId)).toEqual(new Set([env.fake.appId]));
    expect(env.fake.numbers.get(phoneNumberId)).toMatchObject({ registered: true, pin: stored.two_step_pins[phoneNumberId] });
    expect(await connectionRegistry().get('whatsapp', phoneNumberId)).toMatchObject({ workspace_id: ws, status: 'active', details: { waba_id: wabaId, token_secret_ref: secret, throughput_mps: 1000 } });
    expect(await connectionRegistry().get('whatsapp_waba', wabaId)).toMatchObject({ workspace_id: ws, details: { token_secret_ref: secret } });
    const connected = await eventsIn(topics.whatsapp(ws, 'account_status'));
    expect(connected.map((r) => r.event.event_type)).toEqual(['whatsapp.phone_number.connected']);
    expect(JSON.stringify(connected[0]!.event)).not.toContain(stored.access_token);

    // The number now sends with the business token (not the platform's system-user token).
    const user = newUser();
    await deliverWebhook(env.fake, inboundMessageWebhook({ wabaId, phoneNumberId }, { from: user, text: 'hi' }));
    expect((await sendMessage(ws, { phone_number_id: phoneNumberId, to: user, type: 'text', text: { body: 'welcome' } })).status).toBe(202);
    expect(env.fake.requests.filter((r) => r.path === `/${phoneNumberId}/messages`).at(-1)!.token).toBe(stored.access_token);
    // …and its templates too.
    await recordOptIn(ws, { phone_number_id: phoneNumberId, wa_id: user, source: 'web_form' });
    expect((await listTemplates(ws, `waba_id=${wabaId}`)).status).toBe(200);
  });

  it('refuses a used code (400), a number another workspace owns (409, before the code is spent), and says what is missing from the platform secret', async () => {
    const ws = newWorkspaceId('wa');
    const { phoneNumberId, wabaId } = newNumber();
    env.fake.addNumber(phoneNumberId, wabaId, { registered: false });
    const code = env.fake.signupCode(wabaId);
    expect((await onboard(ws, { code, phone_number_id: phoneNumberId, waba_id: wabaId })).status).toBe(201);
    const reused = await onboard(ws, { code, phone_number_id: phoneNumberId, waba_id: wabaId });
    expect([reused.status, reused.json.error.code]).toEqual([400, 'invalid_signup_code']);

    const intruder = newWorkspaceId('wa');
    const fresh = env.fake.signupCode(wabaId);
    const taken = await onboard(intruder, { code: fresh, phone_number_id: phoneNumberId, waba_id: wabaId });
    expect([taken.status, taken.json.error.code]).toEqual([409, 'account_connected_elsewhere']);
    // The code was not spent: the rightful workspace can still use it.
    expect((await onboard(ws, { code: fresh, phone_number_id: phoneNumberId, waba_id: wabaId })).status).toBe(201);

    await storePlatformSecret(env.fake, { access_token: env.systemToken, app_id: '' });
    const { secretResolver } = await import('../../shared/runtime/secrets');
    secretResolver().invalidate(`${secretRoot()}/platform/whatsapp`);
    const missing = await onboard(newWorkspaceId('wa'), { code: env.fake.signupCode(wabaId), phone_number_id: newNumber().phoneNumberId, waba_id: newNumber().wabaId });
    expect([missing.status, missing.json.error.code]).toEqual([500, 'whatsapp_not_configured']);
    expect(missing.json.error.message).toMatch(/app_id.*ionflux.*platform\/whatsapp|platform\/whatsapp/);
    await storePlatformSecret(env.fake, { access_token: env.systemToken });
    secretResolver().invalidate(`${secretRoot()}/platform/whatsapp`);
  });

  it('registers a number that already has a two-step PIN only with that PIN (409 otherwise), then succeeds with it', async () => {
    const ws = newWorkspaceId('wa');
    const { phoneNumberId, wabaId } = newNumber();
    env.fake.addNumber(phoneNumberId, wabaId, { registered: false, pin: '246810' });
    const wrong = await onboard(ws, { code: env.fake.signupCode(wabaId), phone_number_id: phoneNumberId, waba_id: wabaId });
    expect([wrong.status, wrong.json.error.code]).toEqual([409, 'registration_pin_mismatch']);
    expect(await connectionRegistry().get('whatsapp', phoneNumberId)).toBeUndefined();
    const right = await onboard(ws, { code: env.fake.signupCode(wabaId), phone_number_id: phoneNumberId, waba_id: wabaId, pin: '246810', throughput_mps: 40 });
    expect(right.status).toBe(201);
    expect(right.json.throughput_mps).toBe(40);
  });
});

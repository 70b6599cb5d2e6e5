/**
 * POST /v1/emails/send end to end: the real handler, `@aws-sdk/client-ses` against a fake SES (through
 * AWS_ENDPOINT_URL_SES), `@sendgrid/mail` against a fake SendGrid, moto for the stores. Proves the MIME
 * SES receives, failover both ways on retryable failures and never on content errors (422 with the
 * provider's reason), idempotency keys, suppression, one-click unsubscribe, a workspace's own SendGrid
 * account, and pacing of concurrent sends at MaxSendRate with no throttling.
 */
import { simpleParser } from 'mailparser';
import { eventBus } from '../../shared/runtime/events';
import { suppressionStore } from '../../shared/runtime/email';
import { secretStore } from '../../shared/runtime/secrets';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { platformSecretName } from '../../shared/secrets/names';
import { drainOutbox } from '../support/outbox';
import { newWorkspaceId, secretRoot } from '../support/environment';
import { type EmailFakes, CONFIGURATION_SET, PUBLIC_BASE_URL, SENDGRID_KEY, sendEmail, startEmailFakes, tokenOf, unsubscribe, withEmailSettings } from '../support/email';
import { storeSecret } from '../support/secrets';
import { sendGridErrors } from '../fakes/sendgrid/fake-sendgrid';
import { sesErrors } from '../fakes/ses/fake-ses';

let fakes: EmailFakes;
const fileStartedAt = Date.now() - 1000;

beforeAll(async () => {
  fakes = await startEmailFakes({ ses: { maxSendRate: 200 } });
});
afterAll(() => fakes.close());
afterEach(async () => {
  fakes.ses.setQuota({ maxSendRate: 200 });
  await withEmailSettings({ IONFLUX_EMAIL_TRANSPORT: undefined, IONFLUX_EMAIL_FAILOVER: undefined });
});

const message = (ws: string, extra: Record<string, unknown> = {}) => ({
  workspace_id: ws,
  from: 'Brand <news@brand.example>',
  to: ['ada@example.com'],
  subject: 'Your order',
  text: 'Thanks for your order.',
  category: 'transactional',
  ...extra,
});

describe('POST /v1/emails/send', () => {
  it('sends the full MIME message through SES with our tags and configuration set, and says so', async () => {
    const ws = newWorkspaceId('mail');
    const before = fakes.ses.messages.length;
    const pdf = Buffer.from('%PDF-1.4 receipt');
    const response = await sendEmail(
      message(ws, {
        to: ['Ada Lovelace <ada@example.com>'],
        cc: ['bob@example.com'],
        bcc: ['audit@brand.example'],
        reply_to: 'support@brand.example',
        html: '<p>Thanks for <b>your</b> order.</p>',
        attachments: [{ filename: 'receipt.pdf', content_base64: pdf.toString('base64'), content_type: 'application/pdf' }],
        tags: { campaign: 'orders' },
      }),
    );
    expect(response.status).toBe(202);
    expect(response.json).toEqual({
      dispatch_id: expect.stringMatching(/^dsp_[0-9a-f]{32}$/),
      provider: 'ses',
      provider_message_id: expect.any(String),
      status: 'accepted',
      recipients: [
        { email: 'ada@example.com', status: 'accepted' },
        { email: 'bob@example.com', status: 'accepted' },
        { email: 'audit@brand.example', status: 'accepted' },
      ],
    });
    expect(fakes.ses.messages).toHaveLength(before + 1);
    const sent = fakes.ses.messages.at(-1)!;
    expect(sent.signatureValid).toBe(true);
    expect(sent.messageId).toBe(response.json.provider_message_id);
    expect(sent.destinations).toEqual(['ada@example.com', 'bob@example.com', 'audit@brand.example']);
    expect(sent.configurationSet).toBe(CONFIGURATION_SET);
    expect(sent.tags).toEqual({ campaign: 'orders', dispatch_id: response.json.dispatch_id, workspace_id: ws });
    const mime = await simpleParser(sent.raw);
    expect(mime.subject).toBe('Your order');
    expect(mime.to).toMatchObject({ value: [{ address: 'ada@example.com', name: 'Ada Lovelace' }] });
    expect(mime.cc).toMatchObject({ value: [{ address: 'bob@example.com' }] });
    expect(mime.bcc).toBeUndefined();
    expect(mime.replyTo).toMatchObject({ value: [{ address: 'support@brand.example' }] });
    expect(mime.text?.trim()).toBe('Thanks for your order.');
    expect(mime.html).toContain('<b>your</b>');
    expect(mime.attachments.map((a) => [a.filename, a.contentType, a.content.equals(pdf)])).toEqual([['receipt.pdf', 'application/pdf', true]]);
    // Transactional mail carries no unsubscribe link.
    expect(mime.headers.has('list')).toBe(false);
  });

  it('answers 400 naming the field for every client mistake, and sends nothing', async () => {
    const before = fakes.ses.messages.length;
    const ws = newWorkspaceId('mail');
    const cases: Array<[unknown, RegExp]> = [
      [message(ws, { to: ['ada@example.com', 'nobody'] }), /to\.1/],
      [message(ws, { subject: undefined }), /subject/],
      [message(ws, { category: 'promo' }), /category/],
      [message(ws, { to: Array.from({ length: 51 }, (_, i) => `r${i}@example.com`) }), /to/],
      [message(ws, { text: undefined }), /text/],
      [message(ws, { sender: 'x' }), /sender/],
      [message(ws, { attachments: [{ filename: 'big.bin', content_base64: Buffer.alloc(3 * 1024 * 1024).toString('base64'), content_type: 'application/octet-stream' }, { filename: 'big2.bin', content_base64: Buffer.alloc(5 * 1024 * 1024).toString('base64'), content_type: 'application/octet-stream' }] }), /payload_too_large|10 MB/],
      [{ ...message(ws), workspace_id: 'bad id!' }, /workspace_id/],
    ];
    for (const [body, pattern] of cases) {
      const response = await sendEmail(body);
      expect([400, 413]).toContain(response.status);
      expect(`${response.json.error.code} ${response.json.error.message}`).toMatch(pattern);
    }
    expect(fakes.ses.messages).toHaveLength(before);
  });

  it('fails over to SendGrid when SES keeps answering 5xx, and says which provider sent it', async () => {
    const ws = newWorkspaceId('mail');
    fakes.ses.fail(sesErrors.serviceUnavailable(), sesErrors.internalFailure(), sesErrors.serviceUnavailable());
    const response = await sendEmail(message(ws, { html: '<p>hi</p>' }));
    expect(response.status).toBe(202);
    expect(response.json.provider).toBe('sendgrid');
    const sent = fakes.sendgrid.messages.find((m) => m.messageId === response.json.provider_message_id)!;
    expect(sent.apiKey).toBe(SENDGRID_KEY);
    expect(sent.body).toMatchObject({
      from: { email: 'news@brand.example', name: 'Brand' },
      personalizations: [{ to: [{ email: 'ada@example.com' }] }],
      subject: 'Your order',
      content: [
        { type: 'text/plain', value: 'Thanks for your order.' },
        { type: 'text/html', value: '<p>hi</p>' },
      ],
      custom_args: { dispatch_id: response.json.dispatch_id, workspace_id: ws },
    });
  });

  it('fails over at once when SES sending is paused, and when throttling outlasts the retries', async () => {
    const ws = newWorkspaceId('mail');
    const sesBefore = fakes.ses.messages.length;
    fakes.ses.fail(sesErrors.sendingPaused());
    const paused = await sendEmail(message(ws));
    expect(paused.json.provider).toBe('sendgrid');
    // A paused account is set aside: the next message goes straight to SendGrid.
    const next = await sendEmail(message(ws));
    expect(next.json.provider).toBe('sendgrid');
    await withEmailSettings({});
    fakes.ses.fail(sesErrors.throttling(), sesErrors.throttling(), sesErrors.throttling());
    const throttled = await sendEmail(message(ws));
    expect(throttled.status).toBe(202);
    expect(throttled.json.provider).toBe('sendgrid');
    expect(fakes.ses.messages).toHaveLength(sesBefore);
  });

  it('never fails over a content error: 422 with the provider’s reason, from SES and from SendGrid', async () => {
    const ws = newWorkspaceId('mail');
    const sendgridBefore = fakes.sendgrid.messages.length;
    fakes.ses.fail(sesErrors.messageRejected('Email address is not verified. The following identities failed the check in region US-EAST-1: news@brand.example'));
    const rejected = await sendEmail(message(ws));
    expect(rejected.status).toBe(422);
    expect(rejected.json.error).toMatchObject({ code: 'message_rejected', details: { provider: 'ses', provider_code: 'MessageRejected', reason: expect.stringContaining('Email address is not verified') } });
    expect(fakes.sendgrid.messages).toHaveLength(sendgridBefore);

    await withEmailSettings({ IONFLUX_EMAIL_TRANSPORT: 'sendgrid', IONFLUX_EMAIL_FAILOVER: 'ses' });
    const sesBefore = fakes.ses.messages.length;
    fakes.sendgrid.fail(sendGridErrors.badRequest('Does not contain a valid address.', 'personalizations.0.to.0.email'));
    const invalid = await sendEmail(message(ws));
    expect(invalid.status).toBe(422);
    expect(invalid.json.error.details).toMatchObject({ provider: 'sendgrid', reason: 'Does not contain a valid address. (personalizations.0.to.0.email)' });
    expect(fakes.ses.messages).toHaveLength(sesBefore);
  });

  it('fails over the other way: SendGrid primary, SES when SendGrid is down or rate-limited', async () => {
    await withEmailSettings({ IONFLUX_EMAIL_TRANSPORT: 'sendgrid', IONFLUX_EMAIL_FAILOVER: 'ses' });
    const ws = newWorkspaceId('mail');
    expect((await sendEmail(message(ws))).json.provider).toBe('sendgrid');
    fakes.sendgrid.fail(sendGridErrors.unavailable(), sendGridErrors.serverError(), sendGridErrors.unavailable());
    const down = await sendEmail(message(ws));
    expect(down.status).toBe(202);
    expect(down.json.provider).toBe('ses');
  });

  it('answers 503 with Retry-After when no provider takes it and no failover is configured', async () => {
    await withEmailSettings({ IONFLUX_EMAIL_FAILOVER: 'none' });
    fakes.ses.fail(sesErrors.serviceUnavailable(), sesErrors.serviceUnavailable(), sesErrors.serviceUnavailable());
    const response = await sendEmail(message(newWorkspaceId('mail')));
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBeDefined();
    expect(response.json.error.code).toBe('email_unavailable');
  });

  it('answers a repeated idempotency key with the first answer and sends nothing twice; another body with that key is refused', async () => {
    const ws = newWorkspaceId('mail');
    const before = fakes.ses.messages.length;
    const body = message(ws, { idempotency_key: 'order-1001-confirmation' });
    const [first, concurrent] = await Promise.all([sendEmail(body), sendEmail(body)]);
    const statuses = [first.status, concurrent.status].sort();
    // Two at once: one sends, the other is told to come back (or already gets the answer).
    expect(statuses[0]).toBe(202);
    const accepted = first.status === 202 ? first : concurrent;
    const again = await sendEmail(body);
    expect(again.status).toBe(202);
    expect(again.json).toEqual(accepted.json);
    expect(fakes.ses.messages).toHaveLength(before + 1);
    const other = await sendEmail({ ...body, subject: 'Something else' });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('idempotency_key_reused');
    // Keys are per workspace.
    const elsewhere = await sendEmail({ ...body, workspace_id: newWorkspaceId('mail') });
    expect(elsewhere.status).toBe(202);
    expect(elsewhere.json.dispatch_id).not.toBe(accepted.json.dispatch_id);
  });

  it('skips suppressed recipients (shown as suppressed), and answers 409 when none is left', async () => {
    const ws = newWorkspaceId('mail');
    await suppressionStore().add({ workspaceId: ws, email: 'bounced@example.com', reason: 'hard_bounce', source: 'ses' });
    await suppressionStore().add({ workspaceId: ws, email: 'unsub@example.com', reason: 'unsubscribe', source: 'sendgrid' });
    const response = await sendEmail(message(ws, { to: ['ada@example.com', 'Bounced@Example.com'], cc: ['unsub@example.com'] }));
    expect(response.status).toBe(202);
    expect(response.json.recipients).toEqual([
      { email: 'ada@example.com', status: 'accepted' },
      { email: 'Bounced@Example.com', status: 'suppressed' },
      // An unsubscribe stops marketing mail only.
      { email: 'unsub@example.com', status: 'accepted' },
    ]);
    expect(fakes.ses.messages.at(-1)!.destinations).toEqual(['ada@example.com', 'unsub@example.com']);
    const none = await sendEmail(message(ws, { to: ['bounced@example.com'] }));
    expect(none.status).toBe(409);
    expect(none.json.error).toMatchObject({ code: 'all_recipients_suppressed', details: { recipients: [{ email: 'bounced@example.com', reason: 'hard_bounce' }] } });
    const marketing = await sendEmail(message(ws, { to: ['unsub@example.com'], category: 'marketing' }));
    expect(marketing.status).toBe(409);
  });

  it('puts a one-click unsubscribe link on marketing mail: POST unsubscribes (marketing only) and publishes it; GET changes nothing', async () => {
    const ws = newWorkspaceId('mail');
    const response = await sendEmail(message(ws, { category: 'marketing', to: ['reader@example.com'], html: '<p>Spring sale</p>' }));
    expect(response.status).toBe(202);
    const mime = await simpleParser(fakes.ses.messages.at(-1)!.raw);
    const list = mime.headers.get('list') as { unsubscribe: { url: string }; 'unsubscribe-post': { name: string } };
    expect(list['unsubscribe-post'].name).toBe('List-Unsubscribe=One-Click');
    expect(list.unsubscribe.url).toMatch(new RegExp(`^${PUBLIC_BASE_URL}/email/unsubscribe\\?token=v1\\.`));
    const token = tokenOf(`<${list.unsubscribe.url}>`);

    const page = await unsubscribe('GET', `token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('<form method="post"');
    expect(await suppressionStore().get(ws, 'reader@example.com')).toBeUndefined();

    const done = await unsubscribe('POST', `token=${token}`, 'List-Unsubscribe=One-Click');
    expect(done.status).toBe(200);
    expect(await suppressionStore().get(ws, 'reader@example.com')).toMatchObject({ reason: 'unsubscribe', scope: 'marketing', source: 'ionflux', dispatch_id: response.json.dispatch_id });
    expect((await sendEmail(message(ws, { category: 'marketing', to: ['reader@example.com'] }))).status).toBe(409);
    expect((await sendEmail(message(ws, { to: ['reader@example.com'] }))).status).toBe(202);
    // Clicking twice is fine.
    expect((await unsubscribe('POST', `token=${token}`, 'List-Unsubscribe=One-Click')).status).toBe(200);
    await drainOutbox();
    const events = (await eventBus().readAll('ionflux.email.delivery_status', { since: fileStartedAt })).map((r) => JSON.parse(r.value)).filter((e) => e.workspace_id === ws);
    expect(events.map((e) => [e.event_type, e.payload_json.recipient, e.payload_json.provider, e.payload_json.dispatch_id])).toContainEqual([
      'email.unsubscribed',
      'reader@example.com',
      'ionflux',
      response.json.dispatch_id,
    ]);
    const forged = `${token.slice(0, -4)}AAAA`;
    for (const method of ['GET', 'POST'] as const) {
      const refused = await unsubscribe(method, `token=${forged}`);
      expect(refused.status).toBe(400);
      expect(refused.json.error.code).toBe('invalid_token');
    }
    expect((await unsubscribe('POST', '')).status).toBe(400);
  });

  it('sends through a workspace’s own SendGrid account when it maps one', async () => {
    await withEmailSettings({ IONFLUX_EMAIL_TRANSPORT: 'sendgrid', IONFLUX_EMAIL_FAILOVER: 'none' });
    const ws = newWorkspaceId('own');
    const ownKey = 'SG.workspace-own-key-abcdef';
    const ownSendGrid = new (fakes.sendgrid.constructor as typeof import('../fakes/sendgrid/fake-sendgrid').FakeSendGrid)({ keys: [ownKey] });
    await ownSendGrid.start();
    try {
      const name = `${secretRoot()}/workspaces/${ws}/sendgrid`;
      await storeSecret(name, { api_key: ownKey, base_url: ownSendGrid.baseUrl });
      await workspaceDirectory().putSettings(ws, { generic_secrets_config_json: { sendgrid: name } });
      const response = await sendEmail(message(ws));
      expect(response.json.provider).toBe('sendgrid');
      expect(ownSendGrid.messages.map((m) => m.apiKey)).toEqual([ownKey]);
      expect(fakes.sendgrid.messages.some((m) => m.messageId === response.json.provider_message_id)).toBe(false);
    } finally {
      await ownSendGrid.close();
    }
  });

  it('paces concurrent sends at the account’s MaxSendRate: no throttling, no failover', async () => {
    // A bucket of two messages refilled at 4/s: three sends within 250 ms would be throttled (six at once: four).
    fakes.ses.setQuota({ maxSendRate: 4, burst: 2 });
    await withEmailSettings({ IONFLUX_EMAIL_FAILOVER: 'none' });
    const ws = newWorkspaceId('paced');
    const throttledBefore = fakes.ses.throttled.length;
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => sendEmail(message(ws, { to: [`r${i}@example.com`] }))));
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(responses.every((r) => r.json.provider === 'ses')).toBe(true);
    expect(fakes.ses.throttled.length).toBe(throttledBefore);
  });

  it('needs no SendGrid key to send, and then has no failover', async () => {
    await secretStore().put(platformSecretName(secretRoot(), 'sendgrid'), JSON.stringify({ webhook_public_key: fakes.webhookKeys.publicKey }));
    await withEmailSettings({});
    fakes.ses.fail(sesErrors.serviceUnavailable(), sesErrors.serviceUnavailable(), sesErrors.serviceUnavailable());
    const response = await sendEmail(message(newWorkspaceId('mail')));
    expect(response.status).toBe(503);
    expect(response.json.error.details.attempts.map((a: { provider: string }) => a.provider)).toEqual(['ses', 'ses', 'ses']);
    await storeSecret(platformSecretName(secretRoot(), 'sendgrid'), { api_key: SENDGRID_KEY, base_url: fakes.sendgrid.baseUrl, webhook_public_key: fakes.webhookKeys.publicKey });
  });
});

/**
 * The email service's pure parts: request checks (every problem names its field), addresses, templates
 * (placeholders HTML-escaped in html only, missing values refused), unsubscribe tokens, MIME built by
 * MailComposer, how provider errors are classified, the shared send-rate timeline, SendGrid's rate gate,
 * and the mapping of provider events onto the one delivery-status schema.
 */
import { simpleParser } from 'mailparser';
import { isEmailAddress, parseMailbox } from '../../shared/email/addresses';
import { SendBulkRequestSchema, SendRequestSchema, toBulkParts, toSendParts } from '../../shared/email/contract';
import { readEmailConfig } from '../../shared/email/config';
import { fingerprint } from '../../shared/email/dispatch-store';
import { InvalidEmailRequestError } from '../../shared/email/errors';
import type { OutgoingEmail } from '../../shared/email/message';
import { composeMime } from '../../shared/email/mime';
import { classifySendGridStatus, sendGridReason } from '../../shared/email/providers/sendgrid/api';
import { SendGridRateGate } from '../../shared/email/providers/sendgrid/rate-limit';
import { classifySesError } from '../../shared/email/providers/ses/api';
import { SendRateTimeline, SlotTooLateError } from '../../shared/email/send-rate';
import { SuppressionStore } from '../../shared/email/suppressions';
import { compileTemplates, missingPlaceholders } from '../../shared/email/templates';
import { createUnsubscribeToken, listUnsubscribeHeaders, verifyUnsubscribeToken } from '../../shared/email/unsubscribe-token';
import { validate } from '../../shared/http/json-body';
import { MemoryTable } from '../../shared/storage/memory-table';
import { sendGridEventReports } from '../../shared/webhooks/providers/sendgrid/events';
import { sesEvents } from '../../shared/webhooks/providers/ses/events';

const base = { workspace_id: 'ws_1', from: 'Brand <news@brand.example>', to: ['ada@example.com'], subject: 'Hi', text: 'Hello', category: 'transactional' as const };

const problemOf = (fn: () => unknown): { field?: string; message: string } => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidEmailRequestError) return { field: error.details?.field as string, message: error.message };
    const e = error as { details?: { problems?: string[] }; message: string };
    return { message: e.details?.problems?.join('; ') ?? e.message };
  }
  throw new Error('expected a problem');
};

describe('email request checks', () => {
  const send = (body: unknown) => toSendParts(validate(body, SendRequestSchema));

  it('accepts a full request and parses display names', () => {
    const parts = send({ ...base, cc: ['Bob <bob@example.com>'], reply_to: 'support@brand.example', attachments: [{ filename: 'a.txt', content_base64: Buffer.from('hi').toString('base64'), content_type: 'text/plain' }], tags: { campaign: 'spring-1' } });
    expect(parts.from).toEqual({ address: 'news@brand.example', name: 'Brand' });
    expect(parts.cc).toEqual([{ address: 'bob@example.com', name: 'Bob' }]);
    expect(parts.attachments[0]!.content.toString()).toBe('hi');
  });

  it.each([
    [{ ...base, subject: undefined }, /subject/],
    [{ ...base, to: ['ada@example.com', 'not an address'] }, /to\.1/],
    [{ ...base, to: [] }, /to/],
    [{ ...base, category: 'newsletter' }, /category/],
    [{ ...base, colour: 'red' }, /colour/],
    [{ ...base, text: undefined }, /text/],
    [{ ...base, to: Array.from({ length: 30 }, (_, i) => `a${i}@example.com`), cc: Array.from({ length: 21 }, (_, i) => `c${i}@example.com`) }, /at most 50 recipients/],
    [{ ...base, to: ['a@example.com'], bcc: ['A@example.com'] }, /bcc\.0.*more than once/],
    [{ ...base, category: 'marketing', to: ['a@example.com', 'b@example.com'] }, /one recipient per message/],
    [{ ...base, tags: { dispatch_id: 'x' } }, /tags\.dispatch_id/],
    [{ ...base, tags: { 'bad tag': 'x' } }, /tags\.bad tag/],
    [{ ...base, attachments: [{ filename: 'a.bin', content_base64: '!!!', content_type: 'application/octet-stream' }] }, /attachments\.0\.content_base64/],
    [{ ...base, attachments: [{ filename: 'big.bin', content_base64: Buffer.alloc(8 * 1024 * 1024).toString('base64'), content_type: 'application/octet-stream' }] }, /10 MB/],
    [{ ...base, from: 'a@b.example, c@d.example' }, /from/],
  ])('names the field of a bad request (%#)', (body, pattern) => {
    const problem = problemOf(() => send(body));
    expect(`${problem.field ?? ''} ${problem.message}`).toMatch(pattern);
  });

  it('keeps one message per bulk address, and says where a bad one stands', () => {
    const bulk = (recipients: unknown[]) => toBulkParts(validate({ workspace_id: 'ws_1', from: 'news@brand.example', subject: 'Hi {{name}}', html: '<p>{{name}}</p>', category: 'marketing', recipients }, SendBulkRequestSchema));
    const parts = bulk([{ to: 'a@example.com', data: { name: 'A' } }, { to: 'A@Example.com', data: { name: 'again' } }, { to: 'b@example.com', data: { name: 'B' } }]);
    expect(parts.recipients.map((r) => r.to)).toEqual(['a@example.com', 'b@example.com']);
    expect(parts.positions).toEqual([0, 2]);
    expect(parts.duplicatesRemoved).toBe(1);
    expect(problemOf(() => bulk([{ to: 'a@example.com' }, { to: 'nope' }])).field).toBe('recipients.1.to');
  });

  it('checks addresses the way mail servers expect', () => {
    expect(isEmailAddress('a.b+c@sub.example.co')).toBe(true);
    for (const bad of ['a@b', 'a b@example.com', '@example.com', 'a@-example.com', `${'x'.repeat(65)}@example.com`]) expect(isEmailAddress(bad)).toBe(false);
    expect(parseMailbox('a@example.com\r\nBcc: x@example.com')).toEqual({ problem: expect.stringMatching(/line breaks/) });
  });

  it('fingerprints a body whatever its key order', () => {
    expect(fingerprint({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(fingerprint({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });

  it('reads the email settings and refuses wrong ones', () => {
    expect(readEmailConfig({}, { awsEnabled: true })).toMatchObject({ transport: 'ses', failover: 'auto' });
    expect(readEmailConfig({}, { awsEnabled: false }).transport).toBe('embedded');
    expect(() => readEmailConfig({ IONFLUX_EMAIL_TRANSPORT: 'smtp' }, { awsEnabled: true })).toThrow(/IONFLUX_EMAIL_TRANSPORT/);
    expect(() => readEmailConfig({ IONFLUX_EMAIL_TRANSPORT: 'ses', IONFLUX_EMAIL_FAILOVER: 'ses' }, { awsEnabled: true })).toThrow(/must differ/);
    expect(() => readEmailConfig({ IONFLUX_PUBLIC_BASE_URL: 'http://example.com' }, { awsEnabled: true })).toThrow(/https/);
  });
});

describe('bulk templates', () => {
  it('escapes placeholders in html only, and renders subject and text as they are', () => {
    const templates = compileTemplates({ subject: 'Hi {{name}}', text: 'Dear {{name}}, {{{code}}}', html: '<p>Dear {{name}}</p><p>{{#if vip}}VIP{{/if}}</p>' });
    expect([...templates.placeholders].sort()).toEqual(['code', 'name', 'vip']);
    const rendered = templates.render({ name: '<b>Ada & "Co"</b>', code: 'X1', vip: true });
    expect(rendered.subject).toBe('Hi <b>Ada & "Co"</b>');
    expect(rendered.text).toBe('Dear <b>Ada & "Co"</b>, X1');
    expect(rendered.html).toBe('<p>Dear &lt;b&gt;Ada &amp; &quot;Co&quot;&lt;/b&gt;</p><p>VIP</p>');
  });

  it('finds what a recipient is missing (null renders empty), and refuses broken templates and partials', () => {
    const templates = compileTemplates({ subject: 'Hi {{name}}', html: '{{lookup links region}}' });
    expect(missingPlaceholders(templates, { name: 'A' }).sort()).toEqual(['links', 'region']);
    expect(compileTemplates({ subject: 'Hi {{name}}' }).render({ name: null }).subject).toBe('Hi');
    expect(problemOf(() => compileTemplates({ subject: 'Hi {{name' })).field).toBe('subject');
    expect(problemOf(() => compileTemplates({ subject: 'x', html: '{{> footer}}' })).field).toBe('html');
  });

  it('keeps a header on one line whatever the data holds', () => {
    expect(compileTemplates({ subject: '{{a}}' }).render({ a: 'x\r\nBcc: evil@example.com' }).subject).toBe('x Bcc: evil@example.com');
  });
});

describe('one-click unsubscribe tokens', () => {
  const claims = { workspaceId: 'ws_1', email: 'ada@example.com', dispatchId: 'dsp_1' };

  it('round-trips, with the previous key still accepted, and refuses anything altered', () => {
    const token = createUnsubscribeToken(claims, 'old-key');
    expect(verifyUnsubscribeToken(token, ['new-key', 'old-key'])).toEqual(claims);
    expect(verifyUnsubscribeToken(token, ['new-key'])).toBeUndefined();
    const [v, payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ w: 'ws_2', e: 'ada@example.com', d: 'dsp_1' })).toString('base64url');
    expect(verifyUnsubscribeToken(`${v}.${forged}.${signature}`, ['old-key'])).toBeUndefined();
    expect(verifyUnsubscribeToken(`${v}.${payload}.${signature!.slice(0, -2)}AA`, ['old-key'])).toBeUndefined();
    expect(verifyUnsubscribeToken('garbage', ['old-key'])).toBeUndefined();
  });

  it('writes the RFC 8058 headers', () => {
    expect(listUnsubscribeHeaders('https://api.example', 'v1.x.y')).toEqual({
      'List-Unsubscribe': '<https://api.example/email/unsubscribe?token=v1.x.y>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });
});

describe('MIME (MailComposer)', () => {
  const message: OutgoingEmail = {
    dispatchId: 'dsp_abc',
    workspaceId: 'ws_1',
    category: 'marketing',
    from: { address: 'news@brand.example', name: 'Brand Ünïcode' },
    to: [{ address: 'ada@example.com' }],
    cc: [],
    bcc: [{ address: 'hidden@example.com' }],
    subject: 'Grüße',
    text: 'plain',
    html: '<p>html</p>',
    attachments: [{ filename: 'r.pdf', content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' }],
    tags: {},
    headers: listUnsubscribeHeaders('https://api.example', 'v1.abc.def'),
  };

  it('builds a message any client reads: alternatives, attachment, our headers, no Bcc header', async () => {
    const raw = await composeMime(message);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Grüße');
    expect(parsed.from?.value[0]).toMatchObject({ address: 'news@brand.example', name: 'Brand Ünïcode' });
    expect(parsed.text?.trim()).toBe('plain');
    expect(parsed.html).toContain('<p>html</p>');
    expect(parsed.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['r.pdf', 'application/pdf', '%PDF-1.4']]);
    expect(parsed.headers.get('list')).toEqual({ unsubscribe: { url: 'https://api.example/email/unsubscribe?token=v1.abc.def' }, 'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' } });
    expect(raw.toString()).toContain('List-Unsubscribe: <https://api.example/email/unsubscribe?token=v1.abc.def>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
    expect(parsed.messageId).toBe('<dsp_abc@brand.example>');
    expect(raw.toString()).not.toMatch(/^bcc:/im);
  });
});

describe('provider errors', () => {
  it('classifies SES errors: content → rejected, rate → throttled, account → paused, 5xx → unavailable', () => {
    expect(classifySesError('MessageRejected', 400, 'Email address is not verified')).toBe('rejected');
    expect(classifySesError('Throttling', 400, 'Maximum sending rate exceeded.')).toBe('throttled');
    expect(classifySesError('Throttling', 400, 'Daily message quota exceeded.')).toBe('paused');
    expect(classifySesError('AccountSendingPausedException', 400, 'paused')).toBe('paused');
    expect(classifySesError('ServiceUnavailable', 503, 'x')).toBe('unavailable');
    expect(classifySesError('InternalFailure', 500, 'x')).toBe('unavailable');
  });

  it('classifies SendGrid statuses and keeps its reasons', () => {
    expect([400, 413, 429, 401, 403, 500, 503].map(classifySendGridStatus)).toEqual(['rejected', 'rejected', 'throttled', 'paused', 'paused', 'unavailable', 'unavailable']);
    expect(sendGridReason({ errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }] }, 'x')).toBe('Does not contain a valid address. (personalizations.0.to.0.email)');
  });
});

describe('the shared send-rate timeline', () => {
  it('hands every caller of every worker its own slot, 1/rate apart, and never a burst after idling', async () => {
    let now = 1_000_000;
    const table = new MemoryTable('rate', () => now);
    const sleeps: number[] = [];
    const options = { clock: () => now, sleep: async (ms: number) => void sleeps.push(ms) };
    const workerA = new SendRateTimeline(table, 'ses:test', options);
    const workerB = new SendRateTimeline(table, 'ses:test', options);
    const starts: number[] = [];
    // Two workers (environments) reserve on one table at 50/s: every slot is distinct and 20 ms apart.
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const worker = i % 2 ? workerA : workerB;
        await worker.acquire(50, Number.POSITIVE_INFINITY);
      }),
    );
    const tat = Number((await table.get({ pk: 'ses:test' }))!.tat_us);
    expect(tat).toBeGreaterThanOrEqual(now * 1000 + 30 * 20_000);
    for (const ms of sleeps) starts.push(now + ms);
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(20 - 1e-6);
    // An hour later the timeline is in the past: the next slot is now (plus the lead of a reservation's
    // round trip), not a burst of the missed ones.
    now += 3_600_000;
    sleeps.length = 0;
    await workerA.acquire(50, Number.POSITIVE_INFINITY);
    await workerA.acquire(50, Number.POSITIVE_INFINITY);
    expect(sleeps[0]).toBeGreaterThanOrEqual(0);
    expect(sleeps[0]).toBeLessThan(50);
    expect(sleeps[1]! - sleeps[0]!).toBeCloseTo(20, 3);
  });

  it('says when a slot is later than the caller can wait, and pushes every worker back after a throttle', async () => {
    const now = 5_000_000;
    const table = new MemoryTable('rate', () => now);
    const timeline = new SendRateTimeline(table, 'ses:test', { clock: () => now, sleep: async () => undefined });
    await timeline.acquire(1, Number.POSITIVE_INFINITY);
    await expect(timeline.acquire(1, now + 500)).rejects.toBeInstanceOf(SlotTooLateError);
    await timeline.penalize(5000);
    const other = new SendRateTimeline(table, 'ses:test', { clock: () => now, sleep: async () => undefined });
    await expect(other.acquire(1, now + 4000)).rejects.toBeInstanceOf(SlotTooLateError);
  });
});

describe('SendGrid rate gate', () => {
  it('pauses every worker of the account until X-RateLimit-Reset when no request is left', async () => {
    let now = 10_000_000;
    const table = new MemoryTable('rate', () => now);
    const slept: number[] = [];
    const gate = new SendGridRateGate(table, { clock: () => now, sleep: async (ms) => void slept.push(ms) });
    expect(await gate.observe('platform', { status: 202, headers: { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(now / 1000 + 1) } })).toBeUndefined();
    expect(await gate.observe('platform', { status: 202, headers: { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(now / 1000 + 2) } })).toBe(2000);
    const other = new SendGridRateGate(table, { clock: () => now, sleep: async (ms) => void slept.push(ms) });
    expect(await other.wait('platform', now + 10_000)).toBeUndefined();
    expect(slept).toEqual([2000]);
    expect(await other.wait('platform', now + 500)).toBe(2000);
    now += 3000;
    const later = new SendGridRateGate(table, { clock: () => now });
    expect(await later.wait('platform', now)).toBeUndefined();
  });
});

describe('suppressions', () => {
  it('suppress every category after a bounce or a complaint, marketing only after an unsubscribe, and never narrow', async () => {
    const store = new SuppressionStore(new MemoryTable('suppressions'));
    expect(await store.add({ workspaceId: 'ws_1', email: 'Ada@Example.com', reason: 'unsubscribe', source: 'ionflux' })).toBe(true);
    expect(await store.blocking('ws_1', 'ada@example.com', 'marketing')).toMatchObject({ reason: 'unsubscribe', scope: 'marketing' });
    expect(await store.blocking('ws_1', 'ada@example.com', 'transactional')).toBeUndefined();
    expect(await store.blocking('ws_2', 'ada@example.com', 'marketing')).toBeUndefined();
    expect(await store.add({ workspaceId: 'ws_1', email: 'ada@example.com', reason: 'hard_bounce', source: 'ses' })).toBe(true);
    expect(await store.blocking('ws_1', 'ada@example.com', 'transactional')).toMatchObject({ reason: 'hard_bounce', scope: 'all' });
    expect(await store.add({ workspaceId: 'ws_1', email: 'ada@example.com', reason: 'unsubscribe', source: 'sendgrid' })).toBe(false);
    expect((await store.list('ws_1')).map((s) => [s.email, s.reason])).toEqual([['ada@example.com', 'hard_bounce']]);
    expect(await store.remove('ws_1', 'ADA@example.com')).toBe(true);
    expect(await store.list('ws_1')).toEqual([]);
  });
});

describe('delivery status mapping', () => {
  it('maps SendGrid events, with the X-Message-Id as provider message id and hard/soft bounces', () => {
    const common = { email: 'ada@example.com', timestamp: 1_760_000_000, sg_message_id: 'abc123.filterdrecv-1', dispatch_id: 'dsp_1', workspace_id: 'ws_1' };
    const map = (event: Record<string, unknown>) => sendGridEventReports({ ...common, sg_event_id: `e-${String(event.event)}-${String(event.type ?? '')}`, ...event } as never, 'ws_1', 'test').map((e) => e.event.payload_json);
    expect(map({ event: 'processed' })).toEqual([{ dispatch_id: 'dsp_1', workspace_id: 'ws_1', provider: 'sendgrid', provider_message_id: 'abc123', recipient: 'ada@example.com', status: 'sent', occurred_at: '2025-10-09T08:53:20.000Z' }]);
    expect(map({ event: 'bounce', type: 'bounce', reason: '550 no such user' })[0]).toMatchObject({ status: 'bounced', bounce_type: 'hard', reason: '550 no such user' });
    expect(map({ event: 'bounce', type: 'blocked' })[0]).toMatchObject({ status: 'bounced', bounce_type: 'soft' });
    expect(map({ event: 'spamreport' })[0]).toMatchObject({ status: 'complained' });
    expect(map({ event: 'group_unsubscribe' })[0]).toMatchObject({ status: 'unsubscribed' });
    expect(map({ event: 'group_resubscribe' })).toEqual([]);
    expect(sendGridEventReports({ event: 'delivered', email: 'x@example.com', sg_event_id: 'e' }, 'ws_1', 'test')).toEqual([]);
  });

  it('maps SES events per recipient, keyed by dispatch id, stable ids for redeliveries', () => {
    const mail = { messageId: 'ses-1', timestamp: '2026-01-01T00:00:00.000Z', destination: ['a@example.com', 'b@example.com'], tags: { dispatch_id: ['dsp_9'], workspace_id: ['ws_1'] } };
    const parse = (event: unknown) => {
      const request = { rawBody: Buffer.from(JSON.stringify(event)), headers: {}, query: {}, receivedAt: 0 };
      const [delivery] = sesEvents.parse(request);
      return { delivery: delivery!, events: sesEvents.toEvents(delivery!, delivery!.workspaceId!) };
    };
    const sent = parse({ eventType: 'Send', mail, send: {} });
    expect(sent.delivery.workspaceId).toBe('ws_1');
    expect(sent.events.map((e) => [e.topic, e.key, e.event.event_type, e.event.payload_json.recipient])).toEqual([
      ['ionflux.email.delivery_status', 'dsp_9', 'email.sent', 'a@example.com'],
      ['ionflux.email.delivery_status', 'dsp_9', 'email.sent', 'b@example.com'],
    ]);
    expect(parse({ eventType: 'Send', mail, send: {} }).events[0]!.event.event_id).toBe(sent.events[0]!.event.event_id);
    const bounce = parse({
      eventType: 'Bounce',
      mail,
      bounce: { bounceType: 'Permanent', bounceSubType: 'General', timestamp: '2026-01-01T00:01:00.000Z', feedbackId: 'f1', bouncedRecipients: [{ emailAddress: 'b@example.com', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] },
    });
    expect(bounce.events.map((e) => e.event.payload_json)).toEqual([
      expect.objectContaining({ recipient: 'b@example.com', status: 'bounced', bounce_type: 'hard', reason: 'smtp; 550 5.1.1 user unknown', occurred_at: '2026-01-01T00:01:00.000Z', provider_message_id: 'ses-1' }),
    ]);
    const delay = parse({ eventType: 'DeliveryDelay', mail, deliveryDelay: { delayType: 'MailboxFull', timestamp: '2026-01-01T00:02:00Z', delayedRecipients: [{ emailAddress: 'a@example.com' }] } });
    expect(delay.events[0]!.event.payload_json).toMatchObject({ status: 'deferred', reason: 'MailboxFull' });
    expect(parse({ notificationType: 'Complaint', mail, complaint: { complainedRecipients: [{ emailAddress: 'a@example.com' }], timestamp: '2026-01-01T00:03:00Z' } }).events[0]!.event.event_type).toBe('email.complained');
    expect(() => sesEvents.parse({ rawBody: Buffer.from('{"hello":1}'), headers: {}, query: {}, receivedAt: 0 })).toThrow(/not an SES event/);
  });
});

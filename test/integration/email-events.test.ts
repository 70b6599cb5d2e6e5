/**
 * Delivery status into Kafka, end to end against the real broker and moto:
 * - SES events in the shape SES documents, wrapped in SNS notifications, through `webhook-ses-sns` —
 *   invoked directly and by the local runtime's `sns` trigger from a moto topic;
 * - SendGrid's Event Webhook signed with an ECDSA key pair made here, through `webhook-sendgrid` (401
 *   for anything not signed by the key, dedup on sg_event_id, a workspace's own account);
 * - one schema on `ionflux.email.delivery_status`, and `email-status-recorder` turning hard bounces,
 *   complaints and unsubscribes into suppressions.
 */
import { handler as statusRecorder } from '../../functions/email/status-recorder';
import { handler as sendgridWebhook } from '../../functions/webhooks/sendgrid';
import { handler as sesSnsHandler } from '../../functions/webhooks/ses-sns';
import { functionById } from '../../functions/manifest';
import { snsEvent } from '../../local/aws-events';
import { lambdaContext } from '../../local/lambda-context';
import { startLocalRuntime } from '../../local/runtime';
import { localSnsTopic } from '../../local/sns-topics';
import { buildMskEvent } from '../../shared/events/msk-event';
import { validatePlatformEvent } from '../../shared/events/platform-event-schema';
import { eventBus } from '../../shared/runtime/events';
import { suppressionStore } from '../../shared/runtime/email';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { eventWebhookKeys, signedEventWebhook } from '../fakes/sendgrid/fake-sendgrid';
import { type EmailFakes, sendEmail, startEmailFakes, withEmailSettings } from '../support/email';
import { newWorkspaceId, secretRoot } from '../support/environment';
import { invokeHttp } from '../support/http';
import { storeSecret } from '../support/secrets';

const TOPIC = 'ionflux.email.delivery_status';
const fileStartedAt = Date.now() - 1000;
let fakes: EmailFakes;

beforeAll(async () => {
  fakes = await startEmailFakes({ ses: { maxSendRate: 200 } });
});
afterAll(() => fakes.close());

const statusEvents = async (filter: (e: ReturnType<typeof validatePlatformEvent>) => boolean) =>
  (await eventBus().readAll(TOPIC, { since: fileStartedAt })).map((r) => ({ key: r.key, event: validatePlatformEvent(JSON.parse(r.value)) })).filter((r) => filter(r.event));

const deliverSes = async (sesEventJson: unknown) => {
  const envelope = { MessageId: `sns-${Math.random()}`, TopicArn: 'arn:aws:sns:us-east-1:000000000000:ionflux-email-events', Message: JSON.stringify(sesEventJson), Timestamp: new Date().toISOString() };
  await sesSnsHandler(snsEvent(envelope) as never, lambdaContext('webhook-ses-sns', 30));
};

const postSendGrid = (body: Buffer, headers: Record<string, string>, query = '') =>
  invokeHttp(sendgridWebhook as never, { method: 'POST', rawPath: '/webhooks/sendgrid', rawQueryString: query, headers, body });

/** Runs the status recorder over what the topic holds for a workspace (as its MSK event source would). */
async function recordStatuses(ws: string): Promise<void> {
  const records = (await eventBus().readAll(TOPIC, { since: fileStartedAt })).filter((r) => JSON.parse(r.value).workspace_id === ws);
  const event = buildMskEvent(
    records.map((r) => ({ ...r, offset: Number(r.offset) })),
    { clusterArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' },
  );
  expect(await statusRecorder(event as never, lambdaContext('email-status-recorder', 60))).toEqual({ batchItemFailures: [] });
}

describe('SES events through SNS', () => {
  it('publishes one normalised event per recipient for each SES event, once however often SNS delivers it', async () => {
    const ws = newWorkspaceId('ses');
    const sent = await sendEmail({ workspace_id: ws, from: 'news@brand.example', to: ['ada@example.com', 'bob@example.com'], subject: 'Hi', text: 'Hi', category: 'transactional' });
    expect(sent.json.provider).toBe('ses');
    const message = fakes.ses.messages.find((m) => m.messageId === sent.json.provider_message_id)!;
    const send = fakes.ses.event(message, 'Send');
    await deliverSes(send);
    await deliverSes(send);
    await deliverSes(fakes.ses.event(message, 'Delivery', { recipients: ['ada@example.com'] }));
    await deliverSes(fakes.ses.event(message, 'Bounce', { recipients: ['bob@example.com'], bounceType: 'Permanent' }));
    await deliverSes(fakes.ses.event(message, 'Open'));
    const events = await statusEvents((e) => e.workspace_id === ws);
    expect(events.map((r) => [r.key, r.event.event_type, r.event.payload_json.recipient])).toEqual([
      [sent.json.dispatch_id, 'email.sent', 'ada@example.com'],
      [sent.json.dispatch_id, 'email.sent', 'bob@example.com'],
      [sent.json.dispatch_id, 'email.delivered', 'ada@example.com'],
      [sent.json.dispatch_id, 'email.bounced', 'bob@example.com'],
      [sent.json.dispatch_id, 'email.opened', 'ada@example.com'],
      [sent.json.dispatch_id, 'email.opened', 'bob@example.com'],
    ]);
    expect(events[3]!.event).toMatchObject({
      source_service_name: 'webhook-ses-sns',
      payload_json: {
        dispatch_id: sent.json.dispatch_id,
        workspace_id: ws,
        provider: 'ses',
        provider_message_id: message.messageId,
        recipient: 'bob@example.com',
        status: 'bounced',
        bounce_type: 'hard',
        reason: 'smtp; 550 5.1.1 user unknown',
        occurred_at: expect.any(String),
      },
    });
    // The hard bounce suppresses the address for every category of this workspace.
    await recordStatuses(ws);
    expect(await suppressionStore().get(ws, 'bob@example.com')).toMatchObject({ reason: 'hard_bounce', scope: 'all', source: 'ses' });
    expect(await suppressionStore().get(ws, 'ada@example.com')).toBeUndefined();
    expect((await sendEmail({ workspace_id: ws, from: 'news@brand.example', to: ['bob@example.com'], subject: 'Hi', text: 'Hi', category: 'transactional' })).status).toBe(409);
  });

  it('skips a notification that is not an SES event (retrying cannot help), and parks an event without our tags', async () => {
    await expect(deliverSes({ hello: 'world' })).resolves.toBeUndefined();
    const message = { messageId: `untagged-${Date.now()}`, at: Date.now(), destinations: ['x@example.com'], tags: {}, raw: Buffer.alloc(0), signatureValid: true };
    await expect(deliverSes(fakes.ses.event(message, 'Delivery'))).resolves.toBeUndefined();
    const parked = await webhookDeps().parked.list({ provider: 'ses' });
    expect(parked.map((p) => [p.kind, p.reason, JSON.parse(p.rawBody.toString()).mail.messageId])).toContainEqual(['Delivery', 'the delivery names no account and no workspace', message.messageId]);
  });

  it('is served by the local runtime: a notification published to the (moto) topic reaches Kafka through the sns trigger', async () => {
    const ws = newWorkspaceId('snslocal');
    const sent = await sendEmail({ workspace_id: ws, from: 'news@brand.example', to: ['carol@example.com'], subject: 'Hi', text: 'Hi', category: 'transactional' });
    const message = fakes.ses.messages.find((m) => m.messageId === sent.json.provider_message_id)!;
    const runtime = await startLocalRuntime({ port: 0, functions: [functionById('webhook-ses-sns')], log: () => undefined, kafkaRetryPauseMs: 50 });
    try {
      expect(runtime.coverage).toEqual([{ id: 'webhook-ses-sns', kind: 'sns', how: expect.stringMatching(/^sns arn:aws:sns:/) }]);
      const topic = await localSnsTopic('email-events');
      await topic.publish(JSON.stringify(fakes.ses.event(message, 'Delivery')));
      let delivered: Awaited<ReturnType<typeof statusEvents>> = [];
      const deadline = Date.now() + 20_000;
      while (!delivered.length && Date.now() < deadline) {
        delivered = await statusEvents((e) => e.workspace_id === ws && e.event_type === 'email.delivered');
        if (!delivered.length) await new Promise((r) => setTimeout(r, 200));
      }
      expect(delivered.map((r) => r.event.payload_json.recipient)).toEqual(['carol@example.com']);
    } finally {
      await runtime.stop();
    }
  });
});

describe('SendGrid Event Webhook', () => {
  it('verifies the ECDSA signature over the raw body, and publishes the events once (dedup on sg_event_id)', async () => {
    await withEmailSettings({ IONFLUX_EMAIL_TRANSPORT: 'sendgrid' });
    const ws = newWorkspaceId('sg');
    const sent = await sendEmail({ workspace_id: ws, from: 'news@brand.example', to: ['dan@example.com'], subject: 'Hi', text: 'Hi', category: 'marketing' });
    expect(sent.json.provider).toBe('sendgrid');
    const message = fakes.sendgrid.messages.find((m) => m.messageId === sent.json.provider_message_id)!;
    const events = [
      fakes.sendgrid.event(message, 'processed'),
      fakes.sendgrid.event(message, 'delivered', { response: '250 OK' }),
      fakes.sendgrid.event(message, 'open', { sg_machine_open: false }),
      fakes.sendgrid.event(message, 'click', { url: 'https://brand.example/sale' }),
      fakes.sendgrid.event(message, 'unsubscribe'),
    ];
    const { body, headers } = signedEventWebhook(events, fakes.webhookKeys.privateKey);
    const first = await postSendGrid(body, headers);
    expect(first.status).toBe(200);
    expect(first.json.deliveries.map((d: { status: string }) => d.status)).toEqual(Array(5).fill('accepted'));
    const again = await postSendGrid(body, headers);
    expect(again.json.deliveries.map((d: { status: string }) => d.status)).toEqual(Array(5).fill('duplicate'));
    const published = await statusEvents((e) => e.workspace_id === ws);
    expect(published.map((r) => r.event.event_type)).toEqual(['email.sent', 'email.delivered', 'email.opened', 'email.clicked', 'email.unsubscribed']);
    expect(published[0]!.event.payload_json).toEqual({
      dispatch_id: sent.json.dispatch_id,
      workspace_id: ws,
      provider: 'sendgrid',
      provider_message_id: sent.json.provider_message_id,
      recipient: 'dan@example.com',
      status: 'sent',
      occurred_at: expect.any(String),
    });
    await recordStatuses(ws);
    expect(await suppressionStore().get(ws, 'dan@example.com')).toMatchObject({ reason: 'unsubscribe', scope: 'marketing', source: 'sendgrid' });
    await withEmailSettings({ IONFLUX_EMAIL_TRANSPORT: undefined });
  });

  it('answers 401 to a forged, re-timed, altered or unsigned post, and publishes nothing', async () => {
    const ws = newWorkspaceId('sgforged');
    const events = [{ email: 'eve@example.com', event: 'delivered', sg_event_id: 'forged-1', dispatch_id: 'dsp_x', workspace_id: ws, timestamp: 1 }];
    const { body, headers } = signedEventWebhook(events, fakes.webhookKeys.privateKey, 1_700_000_000);
    const other = eventWebhookKeys();
    const cases: Array<[Buffer, Record<string, string>]> = [
      [body, signedEventWebhook(events, other.privateKey).headers],
      [body, { ...headers, 'x-twilio-email-event-webhook-timestamp': '1700000001' }],
      [Buffer.from(body.toString().replace('delivered', 'bounce')), headers],
      [body, { 'content-type': 'application/json' }],
      [body, { ...headers, 'x-twilio-email-event-webhook-signature': 'not-a-signature' }],
    ];
    for (const [raw, h] of cases) {
      const response = await postSendGrid(raw, h);
      expect(response.status).toBe(401);
      expect(response.text).not.toMatch(/secret|ionflux\//i);
    }
    expect(await statusEvents((e) => e.workspace_id === ws)).toEqual([]);
  });

  it('answers 400 to a signed body that is not an array of events', async () => {
    const { body, headers } = signedEventWebhook({ event: 'delivered' } as never, fakes.webhookKeys.privateKey);
    const wrapped = signedEventWebhook([], fakes.webhookKeys.privateKey);
    expect((await postSendGrid(body, headers)).status).toBe(400);
    expect((await postSendGrid(wrapped.body, wrapped.headers)).status).toBe(200);
  });

  it('verifies a workspace’s own account with its own key; its events belong to it alone', async () => {
    const ws = newWorkspaceId('sgown');
    const own = eventWebhookKeys();
    const name = `${secretRoot()}/workspaces/${ws}/sendgrid`;
    await storeSecret(name, { api_key: 'SG.own-key-xyz', webhook_public_key: own.publicKey });
    await workspaceDirectory().putSettings(ws, { generic_secrets_config_json: { sendgrid: name } });
    const event = (extra: Record<string, unknown>) => ({ email: 'erin@example.com', event: 'spamreport', timestamp: 1_760_000_000, dispatch_id: 'dsp_own', ...extra });
    const signed = signedEventWebhook([event({ sg_event_id: 'own-1', workspace_id: ws }), event({ sg_event_id: 'own-2', workspace_id: 'someone_else' })], own.privateKey);
    // The platform key does not verify it; the workspace's does.
    expect((await postSendGrid(signed.body, signed.headers)).status).toBe(401);
    const accepted = await postSendGrid(signed.body, signed.headers, `workspace_id=${ws}`);
    expect(accepted.status).toBe(200);
    expect(accepted.json.deliveries).toHaveLength(1);
    expect((await statusEvents((e) => e.payload_json.dispatch_id === 'dsp_own')).map((r) => [r.event.workspace_id, r.event.event_type])).toEqual([[ws, 'email.complained']]);
    await recordStatuses(ws);
    expect(await suppressionStore().get(ws, 'erin@example.com')).toMatchObject({ reason: 'complaint', scope: 'all' });
  });
});

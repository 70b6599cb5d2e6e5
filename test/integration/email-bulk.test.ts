/**
 * Bulk sends end to end against the fake SES/SendGrid, moto and Kafka: POST /v1/emails/send-bulk queues
 * a batch, the real `email-bulk-worker` handler (fed by the email-bulk queue) sends one message per
 * recipient with its own data and unsubscribe link, and GET /v1/emails/batches/{id} reports progress.
 * A throttled or failed recipient is retried alone; two workers on one chunk send each recipient once;
 * and a worker process killed mid-batch neither loses nor doubles a recipient.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { handler as statusRecorder } from '../../functions/email/status-recorder';
import { functionById } from '../../functions/manifest';
import type { FunctionSpec, SqsTrigger } from '../../functions/manifest-types';
import { handler as sesSnsHandler } from '../../functions/webhooks/ses-sns';
import { snsEvent } from '../../local/aws-events';
import { loadHandler } from '../../local/handlers';
import { lambdaContext } from '../../local/lambda-context';
import { deliverSqsBatch } from '../../local/triggers/sqs';
import { batchStore, bulkWorkerDeps, suppressionStore, unsubscribeKeys } from '../../shared/runtime/email';
import { BulkEmailWorker } from '../../shared/email/bulk-worker';
import { CHUNK_SIZE } from '../../shared/email/batch-store';
import { verifyUnsubscribeToken } from '../../shared/email/unsubscribe-token';
import { buildMskEvent } from '../../shared/events/msk-event';
import { eventBus } from '../../shared/runtime/events';
import { queue } from '../../shared/runtime/queues';
import { sesErrors } from '../fakes/ses/fake-ses';
import { type EmailFakes, getBatch, sendBulk, startEmailFakes, tokenOf, withEmailSettings } from '../support/email';
import { newWorkspaceId } from '../support/environment';
import { projectRoot } from '../../local/handlers';

const fileStartedAt = Date.now() - 1000;
const workerSpec = functionById('email-bulk-worker') as FunctionSpec & { trigger: SqsTrigger };
let fakes: EmailFakes;

beforeAll(async () => {
  fakes = await startEmailFakes({ ses: { maxSendRate: 100 } });
});
afterAll(() => fakes.close());
afterEach(() => withEmailSettings({ IONFLUX_EMAIL_FAILOVER: undefined }));

const bulk = (ws: string, count: number, extra: Record<string, unknown> = {}) => ({
  workspace_id: ws,
  from: 'Brand <news@brand.example>',
  subject: 'Hi {{name}}',
  text: 'Dear {{name}}, your code is {{code}}.',
  html: '<p>Dear {{name}}, your code is <b>{{code}}</b>.</p>',
  category: 'marketing',
  recipients: Array.from({ length: count }, (_, i) => ({ to: `r${i}@example.com`, data: { name: `Reader ${i}`, code: `C${i}` } })),
  ...extra,
});

/** Runs the real worker handler on the email-bulk queue until the batch is done (or nothing is left to run). */
async function runWorkers(batchId: string, ws: string, maxRounds = 30): Promise<Record<string, unknown>> {
  for (let round = 0; round < maxRounds; round++) {
    const status = (await getBatch(batchId, ws)).json;
    if (status.status === 'done') return status;
    await deliverSqsBatch(workerSpec, queue('email-bulk'), { loadHandler, log: () => undefined }, 500);
  }
  return (await getBatch(batchId, ws)).json;
}

const sentFor = (batchId: string) => fakes.ses.messages.filter((m) => m.tags.batch_id === batchId);

describe('bulk email', () => {
  it('sends one message per recipient with its own data (HTML-escaped) and its own unsubscribe link, and reports progress', async () => {
    const ws = newWorkspaceId('bulk');
    const request = bulk(ws, 150);
    request.recipients[7] = { to: 'Mallory <mallory@example.com>', data: { name: '<script>alert(1)</script>', code: 'X&Y' } };
    request.recipients.push({ to: 'R0@Example.com', data: { name: 'dup', code: 'dup' } });
    const accepted = await sendBulk(request);
    expect(accepted.status).toBe(202);
    expect(accepted.json).toEqual({ batch_id: expect.stringMatching(/^bat_[0-9a-f]{32}$/), total: 150, duplicates_removed: 1 });
    const batchId = accepted.json.batch_id;
    expect((await getBatch(batchId, ws)).json).toEqual({ batch_id: batchId, status: 'running', total: 150, sent: 0, failed: 0, suppressed: 0, pending: 150 });

    expect(await runWorkers(batchId, ws)).toEqual({ batch_id: batchId, status: 'done', total: 150, sent: 150, failed: 0, suppressed: 0, pending: 0 });
    const sent = sentFor(batchId);
    expect(sent).toHaveLength(150);
    expect(new Set(sent.map((m) => m.destinations.join(','))).size).toBe(150);
    expect(sent.every((m) => m.destinations.length === 1)).toBe(true);

    const mallory = sent.find((m) => m.destinations[0] === 'mallory@example.com')!;
    expect(mallory.tags).toEqual({ dispatch_id: `${batchId}-7`, workspace_id: ws, batch_id: batchId });
    const mime = await simpleParser(mallory.raw);
    expect(mime.to).toMatchObject({ value: [{ address: 'mallory@example.com', name: 'Mallory' }] });
    expect(mime.subject).toBe('Hi <script>alert(1)</script>');
    expect(mime.html).toContain('<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;, your code is <b>X&amp;Y</b>.</p>');
    expect(mime.text?.trim()).toBe('Dear <script>alert(1)</script>, your code is X&Y.');
    // Each message's one-click link unsubscribes its own recipient, and nobody else.
    const keys = await unsubscribeKeys()();
    for (const message of [mallory, sent[0]!, sent[100]!]) {
      const parsed = await simpleParser(message.raw);
      const list = parsed.headers.get('list') as { unsubscribe: { url: string }; 'unsubscribe-post': { name: string } };
      expect(list['unsubscribe-post'].name).toBe('List-Unsubscribe=One-Click');
      expect(verifyUnsubscribeToken(tokenOf(`<${list.unsubscribe.url}>`), keys)).toEqual({ workspaceId: ws, email: message.destinations[0], dispatchId: message.tags.dispatch_id });
    }
  });

  it('skips suppressed recipients and fails a rejected one alone; the rest of the batch is sent', async () => {
    const ws = newWorkspaceId('bulk');
    await suppressionStore().add({ workspaceId: ws, email: 'r3@example.com', reason: 'complaint', source: 'ses' });
    await suppressionStore().add({ workspaceId: ws, email: 'r4@example.com', reason: 'unsubscribe', source: 'ionflux' });
    fakes.ses.fail(sesErrors.messageRejected('Illegal header in message'));
    const { batch_id: batchId } = (await sendBulk(bulk(ws, 12))).json;
    expect(await runWorkers(batchId, ws)).toMatchObject({ status: 'done', total: 12, sent: 9, failed: 1, suppressed: 2, pending: 0 });
    expect(sentFor(batchId).map((m) => m.destinations[0])).not.toContain('r3@example.com');
    const failed = [...(await batchStore().records(batchId, 0)).values()].filter((r) => r.state === 'failed');
    expect(failed).toEqual([expect.objectContaining({ provider: 'ses', reason: 'Illegal header in message' })]);
  });

  it('retries a throttled recipient alone, after its backoff; nothing else is sent again', async () => {
    await withEmailSettings({ IONFLUX_EMAIL_FAILOVER: 'none' });
    const ws = newWorkspaceId('bulk');
    const { batch_id: batchId } = (await sendBulk(bulk(ws, 8, { category: 'transactional' }))).json;
    let offset = 0;
    const worker = new BulkEmailWorker({ ...bulkWorkerDeps(), clock: () => Date.now() + offset });
    fakes.ses.fail(sesErrors.throttling());
    const first = await worker.processChunk({ batch_id: batchId, chunk: 0 }, Date.now() + 60_000);
    expect(first).toMatchObject({ kind: 'later', waiting: 1 });
    expect((await getBatch(batchId, ws)).json).toMatchObject({ status: 'running', sent: 7, pending: 1 });
    const waiting = [...(await batchStore().records(batchId, 0)).values()].find((r) => r.state === 'retry')!;
    expect(waiting).toMatchObject({ attempts: 1, reason: expect.stringContaining('Maximum sending rate exceeded') });
    // Not before its backoff…
    expect(await worker.processChunk({ batch_id: batchId, chunk: 0 }, Date.now() + 60_000)).toMatchObject({ kind: 'later', waiting: 1 });
    offset = 20_000;
    expect(await worker.processChunk({ batch_id: batchId, chunk: 0 }, Date.now() + 60_000)).toMatchObject({ kind: 'done', sent: 1 });
    expect((await getBatch(batchId, ws)).json).toMatchObject({ status: 'done', sent: 8 });
    const perRecipient = sentFor(batchId).map((m) => m.destinations[0]).sort();
    expect(perRecipient).toEqual(Array.from({ length: 8 }, (_, i) => `r${i}@example.com`).sort());
  });

  it('fails a recipient over to SendGrid when SES is down, without holding up the others', async () => {
    const ws = newWorkspaceId('bulk');
    fakes.ses.fail(sesErrors.serviceUnavailable());
    const { batch_id: batchId } = (await sendBulk(bulk(ws, 6))).json;
    expect(await runWorkers(batchId, ws)).toMatchObject({ status: 'done', sent: 6 });
    const viaSendGrid = fakes.sendgrid.messages.filter((m) => m.body.custom_args?.batch_id === batchId);
    expect(viaSendGrid).toHaveLength(1);
    expect(sentFor(batchId)).toHaveLength(5);
    expect(viaSendGrid[0]!.body.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('sends each recipient once when two workers get the same chunk at once', async () => {
    const ws = newWorkspaceId('bulk');
    const { batch_id: batchId } = (await sendBulk(bulk(ws, 40, { category: 'transactional' }))).json;
    const job = { batch_id: batchId, chunk: 0 };
    const [a, b] = [new BulkEmailWorker(bulkWorkerDeps()), new BulkEmailWorker(bulkWorkerDeps())];
    await Promise.all([a.processChunk(job, Date.now() + 60_000), b.processChunk(job, Date.now() + 60_000)]);
    // Whatever one of them held, the next round finishes.
    await a.processChunk(job, Date.now() + 60_000);
    expect((await getBatch(batchId, ws)).json).toMatchObject({ status: 'done', sent: 40 });
    expect(sentFor(batchId)).toHaveLength(40);
  });

  it('answers a repeated idempotency key with the same batch, queued once', async () => {
    const ws = newWorkspaceId('bulk');
    const body = bulk(ws, 5, { idempotency_key: 'newsletter-2026-12' });
    const first = await sendBulk(body);
    const again = await sendBulk(body);
    expect(again.status).toBe(202);
    expect(again.json).toEqual(first.json);
    expect((await sendBulk({ ...body, subject: 'Other' })).json.error.code).toBe('idempotency_key_reused');
    expect(await runWorkers(first.json.batch_id, ws)).toMatchObject({ status: 'done', sent: 5 });
    expect(sentFor(first.json.batch_id)).toHaveLength(5);
  });

  it('refuses a bad bulk request with a 400 naming the field, and queues nothing', async () => {
    const ws = newWorkspaceId('bulk');
    const before = await queue('email-bulk').depth();
    const missing = bulk(ws, 3);
    missing.recipients[2] = { to: 'r2@example.com', data: { name: 'Only name' } } as never;
    const cases: Array<[unknown, RegExp]> = [
      [missing, /recipients\.2\.data.*\{\{code\}\}/],
      [bulk(ws, 2, { recipients: [{ to: 'ok@example.com' }, { to: 'not-an-address' }], subject: 'Hi', text: 'Hi', html: undefined }), /recipients\.1\.to/],
      [bulk(ws, 2, { html: '<p>{{#if}}</p>' }), /html/],
      [bulk(ws, 2, { recipients: [] }), /recipients/],
      [{ ...bulk(ws, 1), recipients: Array.from({ length: 10_001 }, (_, i) => ({ to: `x${i}@example.com` })), subject: 'Hi', text: 'Hi', html: undefined }, /recipients/],
    ];
    for (const [body, pattern] of cases) {
      const response = await sendBulk(body);
      expect(response.status).toBe(400);
      expect(response.json.error.message).toMatch(pattern);
    }
    expect(await queue('email-bulk').depth()).toBe(before);
  });

  it('shows a batch to its own workspace only', async () => {
    const ws = newWorkspaceId('bulk');
    const { batch_id: batchId } = (await sendBulk(bulk(ws, 1))).json;
    expect((await getBatch(batchId, newWorkspaceId('other'))).status).toBe(404);
    expect((await getBatch('bat_doesnotexist', ws)).status).toBe(404);
    expect((await getBatch(batchId, '')).status).toBe(400);
    await runWorkers(batchId, ws);
  });

  it('neither loses nor doubles a recipient when a worker process is killed mid-batch', async () => {
    await withEmailSettings({ IONFLUX_EMAIL_FAILOVER: 'none' });
    const ws = newWorkspaceId('crash');
    const total = 30;
    const { batch_id: batchId } = (await sendBulk(bulk(ws, total, { category: 'transactional' }))).json;
    // SES answers ten messages, then takes the next ones without answering: the worker is mid-call when killed.
    fakes.ses.holdAfter(10);
    const child: ChildProcess = spawn(path.join(projectRoot, 'node_modules', '.bin', 'tsx'), ['--require', path.join(projectRoot, 'scripts', 'esm-only-packages.cjs'), path.join(projectRoot, 'test/fixtures/functions/email-bulk-worker-process.ts')], {
      env: { ...process.env, IONFLUX_FUNCTION_ID: 'email-bulk-worker' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const deadline = Date.now() + 45_000;
      while (sentFor(batchId).length < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (sentFor(batchId).length < 12) throw new Error(`the worker process sent ${sentFor(batchId).length} messages; its stderr:\n${stderr}`);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      fakes.ses.holdAfter(Number.POSITIVE_INFINITY);
    }
    expect(stderr).not.toMatch(/Error/);
    const accepted = sentFor(batchId);
    const before = await getBatch(batchId, ws);
    expect(before.json.status).toBe('running');

    // SES reports what it accepted (configuration set → SNS); the status recorder confirms those sends.
    for (const message of accepted) {
      const envelope = { MessageId: `sns-${message.messageId}`, TopicArn: 'arn:aws:sns:us-east-1:000000000000:ionflux-email-events', Message: JSON.stringify(fakes.ses.event(message, 'Send')), Timestamp: new Date().toISOString() };
      await sesSnsHandler(snsEvent(envelope) as never, lambdaContext('webhook-ses-sns', 30));
    }
    const records = (await eventBus().readAll('ionflux.email.delivery_status', { since: fileStartedAt })).filter((r) => JSON.parse(r.value).workspace_id === ws);
    expect(records).toHaveLength(accepted.length);
    const msk = buildMskEvent(records.map((r) => ({ ...r, offset: Number(r.offset) })), { clusterArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' });
    expect(await statusRecorder(msk as never, lambdaContext('email-status-recorder', 60))).toEqual({ batchItemFailures: [] });

    // A new worker, once the dead one's claims have expired and the grace for reports has passed.
    const worker = new BulkEmailWorker({ ...bulkWorkerDeps(), clock: () => Date.now() + 15 * 60_000 });
    let outcome;
    for (let round = 0; round < 5; round++) {
      outcome = await worker.processChunk({ batch_id: batchId, chunk: 0 }, Date.now() + 60_000);
      if (outcome.kind === 'done') break;
    }
    expect(outcome).toMatchObject({ kind: 'done' });
    expect((await getBatch(batchId, ws)).json).toEqual({ batch_id: batchId, status: 'done', total, sent: total, failed: 0, suppressed: 0, pending: 0 });
    const perRecipient = new Map<string, number>();
    for (const message of sentFor(batchId)) perRecipient.set(message.destinations[0]!, (perRecipient.get(message.destinations[0]!) ?? 0) + 1);
    expect([...perRecipient.keys()].sort()).toEqual(Array.from({ length: total }, (_, i) => `r${i}@example.com`).sort());
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    // The sends the dead worker never heard back about were settled by SES's reports, not sent again.
    const settled = [...(await batchStore().records(batchId, 0)).values()].filter((r) => r.reason === 'confirmed by the provider after the sending attempt died');
    expect(settled.length).toBe(accepted.length - 10);
    expect(settled.length).toBeGreaterThan(0);
    expect(CHUNK_SIZE).toBeGreaterThanOrEqual(total);
  }, 90_000);
});

/**
 * The local runtime on the embedded defaults: the HTTP API (health, IAM token, routing, payload 2.0
 * events), SQS batches from the embedded queue, MSK batches from the embedded bus, and schedules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { functions } from '../../functions/manifest';
import type { FunctionSpec, ScheduleTrigger } from '../../functions/manifest-types';
import { loadHandler } from '../../local/handlers';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { startScheduleTrigger } from '../../local/triggers/schedule';
import { Outbox } from '../../shared/events/outbox';
import { createPlatformEvent } from '../../shared/events/platform-event';
import { EventPublisher } from '../../shared/events/publisher';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { queue } from '../../shared/runtime/queues';
import { useEmbedded } from '../support/environment';
import { eventRecorder, until } from '../support/recorder';

const topic = 'ionflux.test.local_runtime';
const recorder = eventRecorder(topic);
const rawFile = path.join(recorder.dir, 'raw.jsonl');
process.env.RAW_EVENT_FILE = rawFile;
const lines = (file = recorder.file) => recorder.lines(file);
const recordFile = recorder.file;

/** A route whose handler throws: what the runtime does with an exception escaping a function. */
const throwing: FunctionSpec = {
  id: 'test-throws',
  entry: 'test/fixtures/functions/throws.ts',
  description: 'throws',
  trigger: { http: { method: 'GET', path: '/test/throws/{anything}', auth: 'public' } },
  memoryMb: 128,
  timeoutS: 5,
  needs: [],
};

let runtime: LocalRuntime;
beforeAll(async () => {
  await useEmbedded();
  runtime = await startLocalRuntime({ port: 0, internalToken: 'local-test-token', functions: [...functions, recorder.spec, throwing], log: () => undefined, kafkaRetryPauseMs: 10 });
});
afterAll(async () => {
  await runtime.stop();
  await resetEnvironment();
});

describe('local runtime (embedded defaults)', () => {
  it('answers /health and reports its backends', async () => {
    const response = await fetch(`${runtime.http.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; backends: { kafka: string } };
    expect(body.status).toBe('ok');
    expect(body.backends.kafka).toMatch(/embedded bus/);
  });

  it('keeps internal routes closed without the bearer token', async () => {
    const url = `${runtime.http.url}/v1/workspaces/acme/settings`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await fetch(url, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    const put = await fetch(url, {
      method: 'PUT',
      headers: { authorization: 'Bearer local-test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ generic_secrets_config_json: {} }),
    });
    expect(put.status).toBe(200);
    const got = await fetch(url, { headers: { authorization: 'Bearer local-test-token' } });
    expect(((await got.json()) as { workspace_id: string }).workspace_id).toBe('acme');
  });

  it('answers unknown routes and methods like API Gateway, in the shared error body', async () => {
    const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string; request_id: string } }).error;
    const unknown = await fetch(`${runtime.http.url}/nope`);
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toEqual({ code: 'not_found', message: expect.stringContaining('/nope'), request_id: unknown.headers.get('apigw-requestid') });
    const wrongMethod = await fetch(`${runtime.http.url}/v1/workspaces/acme/settings`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toContain('PUT');
    expect((await errorOf(wrongMethod)).code).toBe('method_not_allowed');
    const tooBig = await fetch(`${runtime.http.url}/webhooks/shopify`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x7b) });
    expect(tooBig.status).toBe(413);
    expect((await errorOf(tooBig)).code).toBe('payload_too_large');
  });

  it('answers a malformed percent-encoding in a path parameter with 400 (after the auth check), not a crash', async () => {
    const auth = { authorization: 'Bearer local-test-token' };
    for (const bad of ['%zz', '%E0%A4%A', '%']) {
      const response = await fetch(`${runtime.http.url}/v1/workspaces/${bad}/settings`, { headers: auth });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_path');
    }
    expect((await fetch(`${runtime.http.url}/v1/workspaces/%zz/settings`)).status).toBe(401);
    // Valid encoding is decoded for the function, as API Gateway does.
    const encoded = await fetch(`${runtime.http.url}/v1/workspaces/acme%2Dencoded/settings`, { headers: auth });
    expect(encoded.status).toBe(404);
    expect(((await encoded.json()) as { error: { message: string } }).error.message).toContain('acme-encoded');
  });

  it('logs the exception of a failing function whatever the URL holds (%s, %o, %f are not format directives)', async () => {
    const logged: unknown[][] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      // Raw directives in the query (percent signs not followed by hex: nothing decodes the query here).
      const response = await fetch(`${runtime.http.url}/test/throws/x?q=%s%o%f&r=%d%i%j%O%c`);
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: { code: string; request_id: string } };
      expect(body.error.code).toBe('internal_error');
      const [format, ...args] = logged.at(-1)!;
      const line = require('node:util').format(format, ...args) as string;
      expect(line).toContain('/test/throws/x?q=%s%o%f&r=%d%i%j%O%c');
      expect(line).toContain('fixture failure for /test/throws/x');
      expect(line).toContain(body.error.request_id);
    } finally {
      spy.mockRestore();
    }
  });

  it('feeds the outbox drainer SQS batches from the embedded queue', async () => {
    const event = createPlatformEvent({ idParts: ['outbox-local'], eventType: 'test.order.created', workspaceId: 'acme', source: 'test', payload: { via: 'outbox' } });
    await new Outbox(queue('outbox')).put([{ topic, key: 'o-1', value: JSON.stringify(event), headers: { event_type: event.event_type } }], 'test');
    const found = await until(() => lines(recordFile).find((l) => l.event.event_id === event.event_id));
    // …and the Kafka-triggered recorder got it from the embedded bus as an MSK record.
    expect(found.topic).toBe(topic);
    expect(found.key).toBe('o-1');
    expect(found.headers.event_type).toBe('test.order.created');
    expect(await queue('outbox').depth()).toBe(0);
  });

  it('delivers MSK batches in order, filters by event type, and retries a failed record before later ones', async () => {
    const publisher = new EventPublisher({ bus: eventBus() });
    const make = (i: number, type = 'test.order.created', extra: Record<string, unknown> = {}) => ({
      topic,
      key: `k-${i}`,
      event: createPlatformEvent({ idParts: ['seq', String(i)], eventType: type, workspaceId: 'acme', source: 'test', payload: { i, ...extra } }),
    });
    await publisher.publish([make(1), make(2, 'test.order.ignored'), make(3, 'test.order.created', { fail_once: true }), make(4)], { deadline: Date.now() + 5000 });
    const seq = await until(() => {
      const got = lines(recordFile).filter((l) => l.event.event_id && typeof l.event.payload_json.i === 'number');
      return got.length >= 3 ? got : undefined;
    });
    expect(seq.map((l) => l.event.payload_json.i)).toEqual([1, 3, 4]);
    expect(fs.readdirSync(recorder.dir).some((f) => f.includes('.failed-'))).toBe(true);
  });

  it('gives up on a record that fails every retry, records where in kafka-consumer-dlq, and goes on', async () => {
    const publisher = new EventPublisher({ bus: eventBus() });
    const make = (i: number, extra: Record<string, unknown> = {}) => ({
      topic,
      key: `poison-${i}`,
      event: createPlatformEvent({ idParts: ['poison', String(i)], eventType: 'test.order.created', workspaceId: 'acme', source: 'test', payload: { poison_seq: i, ...extra } }),
    });
    await publisher.publish([make(1, { fail_always: true }), make(2)], { deadline: Date.now() + 5000 });
    // The record after the poisoned one is processed once the retries are used up…
    await until(() => lines(recordFile).find((l) => l.event.payload_json.poison_seq === 2), 30_000);
    expect(lines(recordFile).some((l) => l.event.payload_json.poison_seq === 1)).toBe(false);
    // …and the on-failure queue says which records were skipped, as the MSK event source's destination does.
    const [message] = await queue('kafka-consumer-dlq').receive(10, 1000);
    expect(message).toBeDefined();
    const record = JSON.parse(message!.body);
    const poisoned = (await eventBus().readAll(topic)).find((r) => JSON.parse(r.value).payload_json.poison_seq === 1)!;
    expect(record).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11, functionArn: expect.stringContaining(recorder.spec.id) },
      KafkaBatchInfo: { topic, partition: poisoned.partition, startOffset: Number(poisoned.offset) },
    });
  }, 40_000);
});

describe('schedules in the local runtime', () => {
  afterEach(() => jest.useRealTimers());

  it('invokes a schedule entry on its timer with the EventBridge scheduled event', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-25T10:00:30Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const spec = {
      id: 'test-raw-event',
      entry: 'test/fixtures/functions/raw-event.ts',
      description: 'raw',
      trigger: { schedule: { expression: 'cron(0/5 * * * ? *)' } },
      memoryMb: 128,
      timeoutS: 5,
      needs: [],
    } as FunctionSpec & { trigger: ScheduleTrigger };
    const trigger = startScheduleTrigger(spec, { loadHandler, log: () => undefined });
    await jest.advanceTimersByTimeAsync(4 * 60_000 + 29_000);
    expect(lines(rawFile)).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(2_000);
    await trigger.stop();
    const [event] = lines(rawFile);
    expect(event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-11-25T10:05:00Z', detail: {} });
    expect(event.resources[0]).toMatch(/rule\/test-raw-event$/);
  });
});

/**
 * The local runtime with KAFKA_BROKERS and AWS_ENDPOINT_URL: Kafka-triggered functions get MSK batches
 * from a real consumer group, SQS-triggered ones get batches polled from moto's SQS.
 */
import { randomUUID } from 'node:crypto';
import { functions } from '../../functions/manifest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { Outbox } from '../../shared/events/outbox';
import { createPlatformEvent } from '../../shared/events/platform-event';
import { EventPublisher } from '../../shared/events/publisher';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { queue } from '../../shared/runtime/queues';
import { useLocalServices } from '../support/environment';
import { eventRecorder, until } from '../support/recorder';

const topic = `ionflux.test.${process.env.IONFLUX_TEST_ID}.real_${randomUUID().slice(0, 6)}`;
const recorder = eventRecorder(topic);
const lines = () => recorder.lines();
const recorded = () => `; recorded: ${JSON.stringify(lines().map((l) => l.event.payload_json))}`;

let runtime: LocalRuntime;
beforeAll(async () => {
  await useLocalServices();
  const publisher = new EventPublisher({ bus: eventBus() });
  // The topic must exist before the consumer group subscribes (no auto-create, as on MSK Serverless).
  await publisher.publish(
    [{ topic, key: 'setup', event: createPlatformEvent({ idParts: ['setup'], eventType: 'test.setup', workspaceId: 'acme', source: 'test', payload: {} }) }],
    { deadline: Date.now() + 10_000 },
  );
  runtime = await startLocalRuntime({ port: 0, functions: [...functions, recorder.spec], log: () => undefined, kafkaRetryPauseMs: 10 });
}, 60_000);
afterAll(async () => {
  await runtime.stop();
  await resetEnvironment();
});

describe('local runtime with real Kafka and moto', () => {
  it('runs Kafka-triggered functions from a consumer group, with retries of failed records in order', async () => {
    expect(runtime.coverage.find((c) => c.id === recorder.spec.id)?.how).toMatch(/consumer group .*test-record-events/);
    const publisher = new EventPublisher({ bus: eventBus() });
    const make = (i: number, extra: Record<string, unknown> = {}) => ({
      topic,
      key: 'same-key',
      event: createPlatformEvent({ idParts: ['real', String(i)], eventType: 'test.order.created', workspaceId: 'acme', source: 'test', payload: { i, ...extra } }),
    });
    await publisher.publish([make(1), make(2, { fail_once: true }), make(3)], { deadline: Date.now() + 10_000 });
    const got = await until(() => {
      const seq = lines().filter((l) => typeof l.event.payload_json.i === 'number');
      return seq.length >= 3 ? seq : undefined;
    }, 30_000, recorded);
    expect(got.map((l) => l.event.payload_json.i)).toEqual([1, 2, 3]);
    expect(got[0].topic).toBe(topic);
  }, 60_000);

  it('gives up on a record that fails every retry, records it in kafka-consumer-dlq (moto SQS), and goes on', async () => {
    const publisher = new EventPublisher({ bus: eventBus() });
    const make = (i: number, extra: Record<string, unknown> = {}) => ({
      topic,
      key: 'poison-key',
      event: createPlatformEvent({ idParts: ['real-poison', String(i)], eventType: 'test.order.created', workspaceId: 'acme', source: 'test', payload: { poison_seq: i, ...extra } }),
    });
    await publisher.publish([make(1, { fail_always: true }), make(2)], { deadline: Date.now() + 10_000 });
    await until(() => lines().find((l) => l.event.payload_json.poison_seq === 2), 45_000, recorded);
    expect(lines().some((l) => l.event.payload_json.poison_seq === 1)).toBe(false);
    const [message] = await queue('kafka-consumer-dlq').receive(10, 2000);
    expect(message).toBeDefined();
    const record = JSON.parse(message!.body);
    const poisoned = (await eventBus().readAll(topic)).find((r) => JSON.parse(r.value).payload_json.poison_seq === 1)!;
    expect(record).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
      KafkaBatchInfo: { topic, partition: poisoned.partition, startOffset: Number(poisoned.offset), endOffset: Number(poisoned.offset), batchSize: 1 },
    });
  }, 60_000);

  it('polls moto’s SQS for the outbox drainer, which republishes to Kafka', async () => {
    const event = createPlatformEvent({ idParts: ['via-sqs'], eventType: 'test.order.created', workspaceId: 'acme', source: 'test', payload: { via: 'sqs' } });
    await new Outbox(queue('outbox')).put([{ topic, key: 'sqs-1', value: JSON.stringify(event), headers: { event_type: event.event_type } }], 'test');
    await until(() => lines().find((l) => l.event.event_id === event.event_id), 30_000, recorded);
    for (let i = 0; i < 50 && (await queue('outbox').depth()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await queue('outbox').depth()).toBe(0);
  }, 60_000);
});

/**
 * The durable outbox: when Kafka cannot take events in time they go to SQS (moto), and the outbox-drain
 * function (fed real SQS batches, as its Lambda trigger does) republishes them to the real broker.
 */
import { randomUUID } from 'node:crypto';
import { loadHandler } from '../../local/handlers';
import { KafkaUnavailableError, PublishFailedError } from '../../shared/events/errors';
import type { EventBus } from '../../shared/events/event-bus';
import { drainOutbox as drainOutboxRecords } from '../../shared/events/outbox-drain';
import { KafkaEventBus } from '../../shared/events/kafka-bus';
import { createKafka } from '../../shared/events/kafka-client';
import { encodeEnvelope, Outbox } from '../../shared/events/outbox';
import { createPlatformEvent } from '../../shared/events/platform-event';
import { EventPublisher, type OutgoingEvent, toBusMessage } from '../../shared/events/publisher';
import type { Queue } from '../../shared/queues/queue';
import { SqsQueue } from '../../shared/queues/sqs-queue';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { queue, sqsClient } from '../../shared/runtime/queues';
import { useLocalServices } from '../support/environment';
import { drainOutbox as drainAll, outboxDrainSpec as drainSpec } from '../support/outbox';

const deadBus = () =>
  new KafkaEventBus(createKafka({ mode: 'brokers', brokers: ['127.0.0.1:1'], auth: 'none' }, { clientId: 'test-dead', region: 'us-east-1' }), { partitions: 1 });

function outgoing(topic: string, n: number, payload: Record<string, unknown> = {}): OutgoingEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    topic,
    key: `order-${i}`,
    event: createPlatformEvent({ idParts: [topic, String(i)], eventType: 'test.order.created', workspaceId: 'acme', source: 'test', payload: { i, ...payload } }),
  }));
}

beforeAll(() => useLocalServices());
afterAll(() => resetEnvironment());

describe('durable outbox', () => {
  it('takes events Kafka could not, and the drainer delivers them exactly once', async () => {
    const topic = `ionflux.test.${process.env.IONFLUX_TEST_ID}.outbox.${randomUUID().slice(0, 6)}`;
    const publisher = new EventPublisher({ bus: deadBus(), outbox: new Outbox(queue('outbox')), kafkaBudgetMs: 500 });
    const events = outgoing(topic, 3);
    await expect(publisher.publish(events, { deadline: Date.now() + 3000 })).resolves.toBe('outbox');
    expect(await queue('outbox').depth()).toBe(1);

    await drainAll();
    expect(await queue('outbox').depth()).toBe(0);
    const records = await eventBus().readAll(topic);
    expect(records.map((r) => JSON.parse(r.value).event_id).sort()).toEqual(events.map((e) => e.event.event_id).sort());
    expect(records.find((r) => r.key === 'order-1')?.headers.event_type).toBe('test.order.created');
  });

  it('compresses large envelopes so multi-megabyte payloads still fit', async () => {
    const topic = `ionflux.test.${process.env.IONFLUX_TEST_ID}.big.${randomUUID().slice(0, 6)}`;
    const publisher = new EventPublisher({ bus: deadBus(), outbox: new Outbox(queue('outbox')), kafkaBudgetMs: 300 });
    const line_items = Array.from({ length: 12000 }, (_, i) => ({ id: i, title: `Item ${i}`, sku: `SKU-${i % 50}`, price: '19.90' }));
    expect(JSON.stringify(line_items).length).toBeGreaterThan(256 * 1024);
    await publisher.publish(outgoing(topic, 1, { line_items }), { deadline: Date.now() + 3000 });
    await drainAll();
    const [record] = await eventBus().readAll(topic);
    expect(JSON.parse(record!.value).payload_json.line_items).toHaveLength(12000);
  });

  it('leaves an undeliverable message for SQS to retry (and finally dead-letter)', async () => {
    const sent = await queue('outbox').send('{"not":"an envelope"}', { encoding: 'json' });
    const handler = await loadHandler(drainSpec);
    const [message] = await queue('outbox').receive(1, 1000);
    expect(message?.messageId).toBe(sent);
    const response = (await handler(
      { Records: [{ messageId: message!.messageId, body: message!.body, messageAttributes: { encoding: { stringValue: 'json' } }, attributes: {} }] },
      { getRemainingTimeInMillis: () => 10_000 },
    )) as { batchItemFailures: Array<{ itemIdentifier: string }> };
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sent }]);
    await queue('outbox').delete(message!.receiptHandle);
  });

  it('an outbox-only publisher (functions outside the VPC) writes straight to the outbox; the drainer delivers', async () => {
    const topic = `ionflux.test.${process.env.IONFLUX_TEST_ID}.via-outbox.${randomUUID().slice(0, 6)}`;
    const publisher = new EventPublisher({ outbox: new Outbox(queue('outbox')) });
    const events = outgoing(topic, 2);
    await expect(publisher.publish(events, { deadline: Date.now() + 3000 })).resolves.toBe('outbox');
    expect(await eventBus().readAll(topic)).toEqual([]);
    await drainAll();
    expect((await eventBus().readAll(topic)).map((r) => JSON.parse(r.value).event_id).sort()).toEqual(events.map((e) => e.event.event_id).sort());

    const missingQueue = new SqsQueue(`${process.env.IONFLUX_RESOURCE_PREFIX}-no-such-queue`, sqsClient());
    await expect(new EventPublisher({ outbox: new Outbox(missingQueue) }).publish(events, { deadline: Date.now() + 3000 })).rejects.toMatchObject({ status: 503 });
  });

  it('the drainer does not spend a Kafka outage once per message: the first failure fails the batch at once; a malformed one fails alone', async () => {
    const envelope = (n: number) => encodeEnvelope({ version: 1, enqueued_at: new Date().toISOString(), reason: 'test', messages: outgoing('ionflux.test.drain', n).map(toBusMessage) }).body;
    const records = [{ messageId: 'bad', body: '{"not":"an envelope"}' }, ...[1, 2, 3].map((n) => ({ messageId: `m${n}`, body: envelope(n) }))];
    const published: number[] = [];
    const down: EventBus = {
      publish: async (messages) => {
        published.push(messages.length);
        throw new KafkaUnavailableError('broker down');
      },
      close: async () => undefined,
    };
    expect(await drainOutboxRecords(records, { bus: down, deadline: Date.now() + 60_000 })).toEqual(['bad', 'm1', 'm2', 'm3']);
    expect(published).toEqual([1]); // one attempt for the batch, not one per message
    const up: EventBus = { publish: async (messages) => void published.push(messages.length), close: async () => undefined };
    expect(await drainOutboxRecords(records, { bus: up, deadline: Date.now() + 60_000 })).toEqual(['bad']);
    expect(published).toEqual([1, 1, 2, 3]);
  });

  it('never starts a Kafka send the deadline leaves no time for, and never waits on the outbox past the deadline', async () => {
    const sent: string[] = [];
    const bus: EventBus = { publish: async () => void sent.push('kafka'), close: async () => undefined };
    const queueThat = (send: Queue['send']): Queue => ({ name: 'fake-outbox', send, receive: async () => [], delete: async () => undefined, release: async () => undefined, depth: async () => 0 });
    const fine = new Outbox(queueThat(async () => (sent.push('outbox'), 'id')));
    // 1 s left, 1.5 s kept for the outbox: Kafka is not tried at all (a late send would duplicate the outbox copy).
    const publisher = new EventPublisher({ bus, outbox: fine, outboxReserveMs: 1500 });
    await expect(publisher.publish(outgoing('ionflux.test.late', 1), { deadline: Date.now() + 1000 })).resolves.toBe('outbox');
    expect(sent).toEqual(['outbox']);

    const stuck = new Outbox(queueThat(() => new Promise<string>(() => undefined))); // SQS that never answers
    for (const stuckPublisher of [new EventPublisher({ bus: deadBus(), outbox: stuck, kafkaBudgetMs: 200 }), new EventPublisher({ outbox: stuck })]) {
      const started = Date.now();
      const attempt = stuckPublisher.publish(outgoing('ionflux.test.stuck', 1), { deadline: Date.now() + 1500 });
      await expect(attempt).rejects.toBeInstanceOf(PublishFailedError);
      await expect(attempt).rejects.toThrow(/deadline/);
      expect(Date.now() - started).toBeLessThan(3000);
    }
  });

  it('carries characters SQS refuses in a message (U+FFFE, U+FFFF) escaped, and gives them back intact', async () => {
    const topic = `ionflux.test.${process.env.IONFLUX_TEST_ID}.nonchar.${randomUUID().slice(0, 6)}`;
    const events = outgoing(topic, 1, { note: 'a\uFFFEb\uFFFFc' });
    const { body } = encodeEnvelope({ version: 1, enqueued_at: new Date().toISOString(), reason: 'test', messages: events.map(toBusMessage) });
    expect(/[\uFFFE\uFFFF]/.test(body)).toBe(false);
    const publisher = new EventPublisher({ bus: deadBus(), outbox: new Outbox(queue('outbox')), kafkaBudgetMs: 300 });
    await expect(publisher.publish(events, { deadline: Date.now() + 3000 })).resolves.toBe('outbox');
    await drainAll();
    const [record] = await eventBus().readAll(topic);
    expect(JSON.parse(record!.value).payload_json.note).toBe('a\uFFFEb\uFFFFc');
  });

  it('refuses to acknowledge when Kafka and the outbox both fail', async () => {
    const missingQueue = new SqsQueue(`${process.env.IONFLUX_RESOURCE_PREFIX}-no-such-queue`, sqsClient());
    const publisher = new EventPublisher({ bus: deadBus(), outbox: new Outbox(missingQueue), kafkaBudgetMs: 300 });
    const attempt = publisher.publish(outgoing('ionflux.test.never', 1), { deadline: Date.now() + 3000 });
    await expect(attempt).rejects.toBeInstanceOf(PublishFailedError);
    await expect(attempt).rejects.toMatchObject({ status: 503 });
  });
});

/** The Kafka event bus against the real broker: provisioning, keys, headers, deadlines. */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaUnavailableError } from '../../shared/events/errors';
import { KafkaEventBus } from '../../shared/events/kafka-bus';
import { createKafka } from '../../shared/events/kafka-client';
import { testKafkaBrokers } from '../support/services';

const topic = () => `ionflux.test.${process.env.IONFLUX_TEST_ID}.${randomUUID().slice(0, 8)}`;
const bus = new KafkaEventBus(createKafka({ mode: 'brokers', brokers: [testKafkaBrokers()], auth: 'none' }, { clientId: 'test', region: 'us-east-1' }), {
  partitions: 3,
});
afterAll(() => bus.close());

describe('Kafka event bus (real broker)', () => {
  it('creates a missing topic, publishes with acks=all, and reads back keys, headers and values', async () => {
    const t = topic();
    await bus.publish(
      [
        { topic: t, key: 'order-1', value: '{"n":1}', headers: { event_type: 'test.created', event_id: 'e1' } },
        { topic: t, key: 'order-1', value: '{"n":2}', headers: { event_type: 'test.updated', event_id: 'e2' } },
        { topic: t, key: 'order-2', value: '{"n":3}', headers: { event_type: 'test.created', event_id: 'e3' } },
      ],
      { deadline: Date.now() + 15_000 },
    );
    const admin = new Kafka({ brokers: [testKafkaBrokers()], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const [meta] = (await admin.fetchTopicMetadata({ topics: [t] })).topics;
    await admin.disconnect();
    expect(meta?.partitions).toHaveLength(3);

    const records = await bus.readAll(t);
    expect(records).toHaveLength(3);
    const byValue = Object.fromEntries(records.map((r) => [r.value, r]));
    expect(byValue['{"n":1}']?.key).toBe('order-1');
    expect(byValue['{"n":1}']?.headers).toEqual({ event_type: 'test.created', event_id: 'e1' });
    // One key, one partition: an entity's events stay in order.
    expect(byValue['{"n":1}']?.partition).toBe(byValue['{"n":2}']?.partition);
    expect(Number(byValue['{"n":2}']?.offset)).toBeGreaterThan(Number(byValue['{"n":1}']?.offset));
  });

  it('publishes to an existing topic over the producer connection alone, and creates a missing one only when the broker says so', async () => {
    const existing = topic();
    const fresh = topic();
    await bus.ensureTopics([existing]);
    const kafka = createKafka({ mode: 'brokers', brokers: [testKafkaBrokers()], auth: 'none' }, { clientId: 'test-cold', region: 'us-east-1' });
    const adminClients = jest.spyOn(kafka, 'admin');
    const cold = new KafkaEventBus(kafka, { partitions: 2 });
    try {
      // A cold start publishing to a topic that exists: no admin client, no topic listing.
      await cold.publish([{ topic: existing, key: 'k', value: '{"n":1}', headers: {} }], { deadline: Date.now() + 15_000 });
      expect(adminClients).not.toHaveBeenCalled();
      // A topic the broker does not know: created, then the same batch is sent (once).
      await cold.publish([{ topic: fresh, key: 'k', value: '{"n":2}', headers: {} }, { topic: existing, key: 'k', value: '{"n":3}', headers: {} }], { deadline: Date.now() + 15_000 });
      expect(adminClients).toHaveBeenCalledTimes(1);
    } finally {
      await cold.close();
    }
    expect((await bus.readAll(fresh)).map((r) => r.value)).toEqual(['{"n":2}']);
    expect((await bus.readAll(existing)).map((r) => r.value).sort()).toEqual(['{"n":1}', '{"n":3}']);
  });

  it('starts no send once the deadline has passed (a late send could duplicate the outbox copy)', async () => {
    const t = topic();
    await bus.ensureTopics([t]);
    await expect(bus.publish([{ topic: t, key: 'k', value: '{"late":true}', headers: {} }], { deadline: Date.now() - 1 })).rejects.toBeInstanceOf(KafkaUnavailableError);
    expect(await bus.readAll(t)).toEqual([]);
  });

  it('reads an empty or missing topic as empty', async () => {
    expect(await bus.readAll(topic())).toEqual([]);
    expect(await bus.readAll(topic(), { since: Date.now() - 60_000 })).toEqual([]);
  });

  it('reads only the records written since an instant, on every partition', async () => {
    const t = topic();
    const old = Array.from({ length: 30 }, (_, i) => ({ topic: t, key: `k${i}`, value: `{"old":${i}}`, headers: {} }));
    await bus.publish(old, { deadline: Date.now() + 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const since = Date.now();
    const recent = Array.from({ length: 9 }, (_, i) => ({ topic: t, key: `k${i}`, value: `{"new":${i}}`, headers: {} }));
    await bus.publish(recent, { deadline: Date.now() + 15_000 });

    const read = await bus.readAll(t, { since });
    expect(read.map((r) => r.value).sort()).toEqual(recent.map((m) => m.value).sort());
    expect(new Set(read.map((r) => r.partition)).size).toBeGreaterThan(1);
    expect(read.every((r) => r.timestamp >= since)).toBe(true);
    expect(await bus.readAll(t, { since: Date.now() + 60_000 })).toEqual([]);
    expect(await bus.readAll(t)).toHaveLength(39);

    // A producer whose clock lags writes after `since` with an older timestamp: not returned either.
    const producer = new Kafka({ brokers: [testKafkaBrokers()], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: t, acks: -1, messages: [{ key: 'k0', value: '{"skewed":true}', timestamp: String(since - 30_000) }] });
    await producer.disconnect();
    expect((await bus.readAll(t, { since })).map((r) => r.value).sort()).toEqual(recent.map((m) => m.value).sort());
  });

  it('stops following at once when the signal was aborted before it started', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(bus.follow(topic(), () => undefined, { signal: controller.signal })).resolves.toBeUndefined();
  });

  it('gives up at the deadline when no broker answers, with a clear error', async () => {
    const dead = new KafkaEventBus(createKafka({ mode: 'brokers', brokers: ['127.0.0.1:1'], auth: 'none' }, { clientId: 'test', region: 'us-east-1' }), {
      partitions: 1,
    });
    const started = Date.now();
    const attempt = dead.publish([{ topic: topic(), key: null, value: 'x', headers: {} }], { deadline: Date.now() + 800 });
    await expect(attempt).rejects.toBeInstanceOf(KafkaUnavailableError);
    await expect(attempt).rejects.toThrow(/Kafka did not take 1 message/);
    expect(Date.now() - started).toBeLessThan(2500);
    await dead.close();
  });
});

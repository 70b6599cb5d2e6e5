/**
 * Kafka goes away mid-run. Every webhook acknowledged while it is down goes to the durable outbox
 * (SQS on moto) within Shopify's 5 s; once the broker is back, the outbox drainer delivers them, and
 * every acknowledged webhook is in Kafka exactly once. This file runs a broker of its own (on free
 * ports) so the run's shared one keeps serving the other suites.
 */
import { randomUUID } from 'node:crypto';
import { provisionAll } from '../../local/provision';
import { topics } from '../../shared/events/topics';
import { connectionRegistry } from '../../shared/runtime/connections';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { queue } from '../../shared/runtime/queues';
import { type KafkaBroker, privateBroker } from '../../scripts/services/kafka';
import { newWorkspaceId } from '../support/environment';
import { drainOutbox } from '../support/outbox';
import { testAwsEndpoint } from '../support/services';
import { configureShopifySecret, sendShopifyWebhook } from '../support/shopify';

let broker: KafkaBroker;

beforeAll(async () => {
  broker = await privateBroker(`outage-test-${process.pid}`, 384);
  await broker.destroy();
  await broker.start();
  process.env.KAFKA_BROKERS = broker.brokers;
  process.env.AWS_ENDPOINT_URL = testAwsEndpoint();
  await resetEnvironment();
  await provisionAll();
  await configureShopifySecret();
}, 120_000);
afterAll(async () => {
  await resetEnvironment();
  await broker?.destroy();
}, 60_000);

describe('broker stopped mid-run', () => {
  it('delivers every acknowledged webhook to Kafka exactly once', async () => {
    const shop = `outage-${randomUUID().slice(0, 8)}.myshopify.com`;
    const ws = newWorkspaceId('outage');
    await connectionRegistry().connect('shopify', shop, ws);
    const acked: Array<{ eventId: string; via: string; ms: number }> = [];
    const send = async (i: number) => {
      const started = Date.now();
      const response = await sendShopifyWebhook({ topic: 'orders/create', shop, payload: { id: 5000 + i, total_price: '1.00' }, eventId: `outage-${i}` });
      expect(response.status).toBe(200);
      const [delivery] = response.json.deliveries;
      acked.push({ eventId: delivery.event_ids[0], via: delivery.via, ms: Date.now() - started });
    };

    for (let i = 0; i < 5; i++) await send(i);
    expect(acked.map((a) => a.via)).toEqual(Array(5).fill('kafka'));

    await broker.stop();
    for (let i = 5; i < 10; i++) await send(i);
    expect(acked.slice(5).map((a) => a.via)).toEqual(Array(5).fill('outbox'));
    // Still answered well inside Shopify's 5 seconds.
    expect(Math.max(...acked.slice(5).map((a) => a.ms))).toBeLessThan(4500);
    expect(await queue('outbox').depth()).toBe(5);

    await broker.start();
    await drainOutbox(30);
    expect(await queue('outbox').depth()).toBe(0);

    const records = await eventBus().readAll(topics.shopify(ws, 'orders/create'));
    const ids = records.map((r) => (JSON.parse(r.value) as { event_id: string }).event_id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(new Set(ids)).toEqual(new Set(acked.map((a) => a.eventId)));
  }, 180_000);
});

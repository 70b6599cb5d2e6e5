/**
 * Syncs through the real functions, moto (SQS, DynamoDB, Secrets Manager), the real Kafka broker and the
 * fake Shopify: the schedule fans out one SQS message per installed shop; the worker runs the nightly
 * catalog sync as a bulk operation and publishes shopify.products.synced in batches; a worker that runs
 * out of time leaves the message to be retried and the retry resumes the same bulk operation; the order
 * reconciliation publishes exactly the orders the webhooks missed (and repairs webhook subscriptions).
 */
import { handler as orderCounter } from '../../functions/sentinel/order-counter';
import { handler as scheduleCatalog } from '../../functions/shopify/sync-schedule-catalog';
import { handler as scheduleReconcile } from '../../functions/shopify/sync-schedule-reconcile';
import { handler as syncWorker } from '../../functions/shopify/sync-worker';
import { handler as webhookStateHandler } from '../../functions/shopify/webhook-state';
import { scheduledEvent, sqsEvent } from '../../local/aws-events';
import { lambdaContext } from '../../local/lambda-context';
import { topics } from '../../shared/events/topics';
import type { QueueMessage } from '../../shared/queues/queue';
import { connectionRegistry } from '../../shared/runtime/connections';
import { eventPublisher } from '../../shared/runtime/events';
import { queue } from '../../shared/runtime/queues';
import { orderCounters } from '../../shared/runtime/sentinel';
import { table } from '../../shared/runtime/storage';
import { shopClients, shopStateStore } from '../../shared/runtime/shopify';
import { ShopifyApiError } from '../../shared/shopify/errors';
import { OrderReconciliation } from '../../shared/shopify/reconciliation';
import { shopifyWebhookTopics } from '../../shared/webhooks/providers/shopify/topics';
import { newWorkspaceId } from '../support/environment';
import { sendShopifyWebhook } from '../support/shopify';
import type { FakeOrder, FakeProduct, FakeShopify } from '../fakes/shopify/fake-shopify';
import { deliverFanIn, eventsOf, newShopDomain, seedInstalledShop, startShopifyEnvironment, stopShopifyEnvironment } from '../fakes/shopify/harness';

let fake: FakeShopify;

beforeAll(async () => {
  fake = await startShopifyEnvironment({ bulkPollsToComplete: 2 });
});
afterAll(() => stopShopifyEnvironment(fake));

const products = (n: number): FakeProduct[] =>
  Array.from({ length: n }, (_, i) => ({ id: 5000 + i, title: `Product ${i}`, variants: [0, 1].map((v) => ({ id: 90000 + i * 2 + v, sku: `SKU-${i}-${v}`, price: '12.50', inventoryQuantity: v + 1 })) }));

async function drain(): Promise<QueueMessage[]> {
  const all: QueueMessage[] = [];
  for (let i = 0; i < 5; i++) {
    const batch = await queue('shopify-sync').receive(10, 0);
    if (!batch.length && all.length) break;
    all.push(...batch);
  }
  return all;
}

const runWorker = (messages: QueueMessage[], timeoutS = 900) =>
  syncWorker(sqsEvent('shopify-sync', messages), lambdaContext('shopify-sync-worker', timeoutS, 1024)) as Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

describe('Shopify syncs', () => {
  it('nightly: one message per installed shop, a bulk-operation catalog sync per shop, products.synced in batches', async () => {
    const big = { shop: newShopDomain('big'), ws: newWorkspaceId('big') };
    const empty = { shop: newShopDomain('empty'), ws: newWorkspaceId('empty') };
    await seedInstalledShop(fake, big.shop, big.ws, { data: { products: products(250) } });
    await seedInstalledShop(fake, empty.shop, empty.ws);
    // Not syncable: connected without an OAuth install, and uninstalled.
    await connectionRegistry().connect('shopify', newShopDomain('manual'), newWorkspaceId('manual'));
    const gone = newShopDomain('gone');
    await seedInstalledShop(fake, gone, newWorkspaceId('gone'));
    await connectionRegistry().setStatus('shopify', gone, 'inactive', 'app/uninstalled webhook');

    const fanOut = await scheduleCatalog(scheduledEvent('shopify-sync-schedule-catalog'));
    expect(fanOut).toMatchObject({ kind: 'catalog', enqueued: 2, skipped: 2 });
    const messages = await drain();
    expect(messages.map((m) => JSON.parse(m.body).shop).sort()).toEqual([big.shop, empty.shop].sort());
    expect(messages.every((m) => JSON.parse(m.body).kind === 'catalog')).toBe(true);

    // Each message on its own, as the SQS event source (batch size 1) delivers them.
    for (const message of messages) expect(await runWorker([message])).toEqual({ batchItemFailures: [] });

    const batches = (await eventsOf(topics.shopify(big.ws, 'products/synced'))).map((r) => r.event);
    expect(batches.map((e) => e.payload_json.batch_index)).toEqual([0, 1, 2]);
    expect(batches.map((e) => e.payload_json.product_count)).toEqual([100, 100, 50]);
    expect(batches.map((e) => e.payload_json.last_batch)).toEqual([false, false, true]);
    expect(batches[2].payload_json).toMatchObject({ total_products: 250, total_batches: 3 });
    expect(new Set(batches.map((e) => e.payload_json.sync_id)).size).toBe(1);
    const first = batches[0].payload_json.products[0];
    expect(first).toMatchObject({ id: 'gid://shopify/Product/5000', title: 'Product 0', variants: [{ sku: 'SKU-0-0', price: '12.50' }, { sku: 'SKU-0-1' }] });
    const allIds = batches.flatMap((e) => e.payload_json.products.map((p: { id: string }) => p.id));
    expect(new Set(allIds).size).toBe(250);
    expect(batches.every((e) => e.payload_json.products.every((p: { variants: unknown[] }) => p.variants.length === 2))).toBe(true);
    expect(await shopStateStore().catalogSync(big.shop)).toMatchObject({ status: 'completed', products: 250, batches: 3 });
    expect(fake.count('bulk-download', (r) => r.shop === big.shop)).toBe(1);

    const emptyBatches = await eventsOf(topics.shopify(empty.ws, 'products/synced'));
    expect(emptyBatches.map((r) => r.event.payload_json)).toEqual([expect.objectContaining({ product_count: 0, last_batch: true, total_products: 0, products: [] })]);
  });

  it('a worker out of time leaves the message for a retry, which resumes the same bulk operation', async () => {
    const shop = newShopDomain('slow');
    const ws = newWorkspaceId('slow');
    await seedInstalledShop(fake, shop, ws, { data: { products: products(3) } });
    const job = JSON.stringify({ kind: 'catalog', shop, workspace_id: ws, requested_at: new Date().toISOString() });
    const message: QueueMessage = { messageId: 'm-slow', receiptHandle: 'r', body: job, attributes: {}, receiveCount: 1, sentTimestamp: Date.now() };
    // 60 s of Lambda time leave nothing for polling once 120 s are reserved for publishing.
    expect(await runWorker([message], 60)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-slow' }] });
    const running = await shopStateStore().catalogSync(shop);
    expect(running).toMatchObject({ status: 'running', bulk_operation_id: expect.stringContaining('BulkOperation') });
    // It did look: one status poll answered RUNNING before the worker gave the message back.
    expect(fake.count('graphql', (r) => r.shop === shop && Boolean(r.rootFields?.includes('node')) && r.status === 200)).toBe(1);
    expect(await eventsOf(topics.shopify(ws, 'products/synced'))).toHaveLength(0);

    expect(await runWorker([{ ...message, receiveCount: 2 }])).toEqual({ batchItemFailures: [] });
    expect(fake.shop(shop).bulkOperations.size).toBe(1); // resumed, not restarted
    const [batch] = await eventsOf(topics.shopify(ws, 'products/synced'));
    expect(batch!.event.payload_json).toMatchObject({ sync_id: running!.bulk_operation_id, product_count: 3, last_batch: true });
  });

  it('a bulk export whose start answer was lost (Shopify began it, then a 503) is adopted, not refused as in progress', async () => {
    const shop = newShopDomain('lost');
    const ws = newWorkspaceId('lost');
    await seedInstalledShop(fake, shop, ws, { data: { products: products(2) } });
    fake.failGraphql(503, { shop, afterApplying: true, rootField: 'bulkOperationRunQuery' });
    const job = JSON.stringify({ kind: 'catalog', shop, workspace_id: ws, requested_at: new Date().toISOString() });
    const message: QueueMessage = { messageId: 'm-lost', receiptHandle: 'r', body: job, attributes: {}, receiveCount: 1, sentTimestamp: Date.now() };
    expect(await runWorker([message])).toEqual({ batchItemFailures: [] });
    expect(fake.shop(shop).bulkOperations.size).toBe(1);
    const [batch] = await eventsOf(topics.shopify(ws, 'products/synced'));
    expect(batch!.event.payload_json).toMatchObject({ product_count: 2, last_batch: true });
  });

  it('a catalog sync left running by an earlier night is started afresh, never resumed and published as tonight\'s', async () => {
    const shop = newShopDomain('stale');
    const ws = newWorkspaceId('stale');
    await seedInstalledShop(fake, shop, ws, { data: { products: products(2) } });
    const old = 'gid://shopify/BulkOperation/last-night';
    await shopStateStore().setCatalogSync(shop, { status: 'running', bulk_operation_id: old, started_at: new Date(Date.now() - 13 * 3600_000).toISOString() });
    const job = JSON.stringify({ kind: 'catalog', shop, workspace_id: ws, requested_at: new Date().toISOString() });
    const message: QueueMessage = { messageId: 'm-stale', receiptHandle: 'r', body: job, attributes: {}, receiveCount: 1, sentTimestamp: Date.now() };
    expect(await runWorker([message])).toEqual({ batchItemFailures: [] });
    const [batch] = await eventsOf(topics.shopify(ws, 'products/synced'));
    expect(batch!.event.payload_json.sync_id).not.toBe(old);
    expect(batch!.event.payload_json).toMatchObject({ product_count: 2, last_batch: true });
  });

  it('reconciliation publishes only the orders webhooks missed, once, and repairs webhook subscriptions', async () => {
    const shop = newShopDomain('recon');
    const ws = newWorkspaceId('recon');
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const orders: FakeOrder[] = [
      { id: 7001, name: '#7001', createdAt: at(60), updatedAt: at(60), total: '10.00' }, // webhook delivered
      { id: 7002, name: '#7002', createdAt: at(90), updatedAt: at(20), total: '20.00' }, // webhook for an older update only
      { id: 7003, name: '#7003', createdAt: at(30), updatedAt: at(30), total: '30.00' }, // never delivered
      { id: 7004, name: '#7004', createdAt: at(14 * 1440), updatedAt: at(40), total: '40.00' }, // old order, update missed
      { id: 7005, name: '#7005', createdAt: at(3 * 1440), updatedAt: at(3 * 1440), total: '50.00' }, // before the watermark
    ];
    await seedInstalledShop(fake, shop, ws, { data: { orders, currency: 'EUR' } });
    await shopStateStore().setWatermark(shop, at(120));

    // What did arrive by webhook went through the real route, Kafka and the webhook-state consumer.
    const rest = (o: FakeOrder, updatedAt: string) => ({ id: o.id, admin_graphql_api_id: `gid://shopify/Order/${o.id}`, name: o.name, created_at: o.createdAt, updated_at: updatedAt, total_price: o.total, currency: 'EUR' });
    expect((await sendShopifyWebhook({ topic: 'orders/create', shop, payload: rest(orders[0]!, orders[0]!.updatedAt) })).json.status).toBe('accepted');
    expect((await sendShopifyWebhook({ topic: 'orders/create', shop, payload: rest(orders[1]!, at(90)) })).json.status).toBe('accepted');
    expect(await deliverFanIn(webhookStateHandler, ws, 'shopify-webhook-state')).toEqual({ batchItemFailures: [] });

    expect(await scheduleReconcile(scheduledEvent('shopify-sync-schedule-reconcile'))).toMatchObject({ kind: 'reconcile' });
    const messages = (await drain()).filter((m) => JSON.parse(m.body).shop === shop);
    expect(messages).toHaveLength(1);
    expect(await runWorker(messages)).toEqual({ batchItemFailures: [] });

    const created = (await eventsOf(topics.shopify(ws, 'orders/create'))).map((r) => r.event);
    const updated = (await eventsOf(topics.shopify(ws, 'orders/updated'))).map((r) => r.event);
    const reconciled = [...created, ...updated].filter((e) => e.payload_json.source === 'reconciliation');
    expect(reconciled.map((e) => [e.event_type, e.payload_json.data.id]).sort()).toEqual([
      ['shopify.orders.created', '7003'],
      ['shopify.orders.updated', '7002'],
      ['shopify.orders.updated', '7004'],
    ]);
    const o3 = reconciled.find((e) => e.payload_json.data.id === '7003')!;
    expect(o3).toMatchObject({ source_service_name: 'shopify-reconciliation', workspace_id: ws, payload_json: { shop_domain: shop, shopify_topic: 'orders/create', data: { total_price: '30.00', currency: 'EUR', created_at: orders[2]!.createdAt } } });
    expect(JSON.stringify(o3)).not.toContain('@');
    const watermark = (await shopStateStore().ordersState(shop)).watermark!;
    expect(Date.now() - Date.parse(watermark)).toBeLessThan(5 * 60_000);

    // Shopify had lost every subscription (e.g. deleted after failed deliveries): recreated.
    expect(fake.shop(shop).webhookSubscriptions).toHaveLength(shopifyWebhookTopics.length);

    // The missed order reaches the Sales Sentinel counters like a webhook order.
    expect(await deliverFanIn(orderCounter, ws, 'sentinel-order-counter')).toEqual({ batchItemFailures: [] });
    expect(await table('order-counters').get({ pk: ws, sk: 'order#7003' })).toBeDefined();
    expect((await orderCounters().read(ws)).totals).toMatchObject({ orders: 3, gross_sales: '60.00', gross_sales_hundredths: 6000 });
    // Its webhook arrives late after all: another event (another event_id) for the same order, not counted again.
    const late = await sendShopifyWebhook({ topic: 'orders/create', shop, payload: rest(orders[2]!, orders[2]!.updatedAt) });
    expect(late.json.status).toBe('accepted');
    expect(await deliverFanIn(orderCounter, ws, 'sentinel-order-counter')).toEqual({ batchItemFailures: [] });
    expect((await orderCounters().read(ws)).totals).toMatchObject({ orders: 3, gross_sales: '60.00', gross_sales_hundredths: 6000 });

    // A second pass finds nothing new and creates no subscription twice.
    await shopStateStore().setWatermark(shop, at(120));
    await scheduleReconcile(scheduledEvent('shopify-sync-schedule-reconcile'));
    expect(await runWorker((await drain()).filter((m) => JSON.parse(m.body).shop === shop))).toEqual({ batchItemFailures: [] });
    const again = [...(await eventsOf(topics.shopify(ws, 'orders/create'))), ...(await eventsOf(topics.shopify(ws, 'orders/updated')))].filter((r) => r.event.payload_json.source === 'reconciliation');
    expect(again).toHaveLength(3);
    expect(fake.shop(shop).webhookSubscriptions).toHaveLength(shopifyWebhookTopics.length);
  });
  it('reconciliation checkpoints page by page: a backlog bigger than one pass drains over successive passes, each order once', async () => {
    const shop = newShopDomain('backlog');
    const ws = newWorkspaceId('backlog');
    const base = Date.now();
    const at = (minutesAgo: number) => new Date(base - minutesAgo * 60_000).toISOString();
    // Two days of orders no webhook delivered (e.g. the subscriptions were gone), one every 45 minutes…
    const orders: FakeOrder[] = Array.from({ length: 60 }, (_, i) => ({ id: 8000 + i, name: `#${8000 + i}`, createdAt: at(2 * 1440 - i * 45), updatedAt: at(2 * 1440 - i * 45), total: '1.00' }));
    // …and one created early in the backlog but last updated recently: its creation was never published either.
    orders.push({ id: 8999, name: '#8999', createdAt: at(2 * 1440 - 5), updatedAt: at(30), total: '2.00' });
    await seedInstalledShop(fake, shop, ws, { data: { orders } });
    await shopStateStore().setWatermark(shop, at(3 * 1440));

    let offset = 0;
    const clock = () => Date.now() + offset;
    const reconciliation = new OrderReconciliation({ shopState: shopStateStore(), publisher: eventPublisher(), clock, pageSize: 5 });
    const { client } = await shopClients().forWorkspace(ws);
    // A throttled shop: every page costs 2 minutes, and like the real client this one fails at once when the
    // next wait would pass the caller's deadline.
    const throttled = {
      shop,
      workspaceId: ws,
      client: {
        request: async <T,>(query: string, variables: Record<string, unknown>, options: { deadline: number }): Promise<T> => {
          if (clock() + 120_000 > options.deadline) throw new ShopifyApiError(`Shopify ${shop}: throttled; waiting 120 s would pass the deadline`, { status: 503, retryAfterS: 120 });
          offset += 120_000;
          return client.request<T>(query, variables, { deadline: Date.now() + 20_000 });
        },
      },
    };

    const watermarks: number[] = [];
    for (let pass = 0; pass < 5; pass++) {
      // A worker has 15 minutes: room for about six of the thirteen pages.
      await reconciliation.run(throttled, { deadline: clock() + 15 * 60_000 }).catch(() => undefined);
      watermarks.push(Date.parse((await shopStateStore().ordersState(shop)).watermark!));
      offset += 45 * 60_000; // the next hourly pass
    }
    // Every pass moved the watermark until the backlog was drained.
    expect(watermarks[1]!).toBeGreaterThan(watermarks[0]!);
    expect(watermarks[0]!).toBeGreaterThan(Date.parse(at(3 * 1440)));
    expect(watermarks[2]!).toBeGreaterThan(base);

    const reconciled = [...(await eventsOf(topics.shopify(ws, 'orders/create'))), ...(await eventsOf(topics.shopify(ws, 'orders/updated')))]
      .map((r) => r.event)
      .filter((e) => e.payload_json.source === 'reconciliation');
    const ids = reconciled.map((e) => Number(e.payload_json.data.id)).sort((a, b) => a - b);
    expect(ids).toEqual(orders.map((o) => o.id).sort((a, b) => a - b)); // every order, each exactly once
    expect(reconciled.find((e) => e.payload_json.data.id === '8999')!.event_type).toBe('shopify.orders.created');
    expect(reconciled.every((e) => e.event_type === 'shopify.orders.created')).toBe(true);
  });
});

/**
 * The shared webhook pipeline's ordering: the workspace lookup and the dedup claim are made together (two
 * DynamoDB round trips at once in AWS), and every way out that does not publish gives the claim up, so
 * a retry or a replay is processed at once instead of waiting for the lease to expire.
 */
import { ConnectionRegistry } from '../../shared/connections/connection-registry';
import type { BusMessage, EventBus } from '../../shared/events/event-bus';
import { EventPublisher } from '../../shared/events/publisher';
import { SecretResolver } from '../../shared/secrets/secret-resolver';
import type { SecretStore } from '../../shared/secrets/secret-store';
import { MemoryTable } from '../../shared/storage/memory-table';
import type { TableItem, TableKey } from '../../shared/storage/table';
import { DedupStore } from '../../shared/webhooks/dedup-store';
import { ParkedWebhookStore } from '../../shared/webhooks/parked-store';
import { ingestWebhook, type WebhookDeps } from '../../shared/webhooks/pipeline';
import { signedShopifyHeaders } from '../../shared/webhooks/providers/shopify/shopify-hmac';
import { shopifyWebhooks } from '../../shared/webhooks/providers/shopify/webhook';
import { replayParked } from '../../shared/webhooks/replay';
import { WorkspaceDirectory } from '../../shared/workspaces/workspace-directory';

const SECRET = 'pipeline-secret';

/** A table whose reads can be held back or made to fail, to see what the pipeline does meanwhile. */
class ControlledTable extends MemoryTable {
  beforeGet: () => Promise<void> = async () => undefined;
  beforePut: (item: TableItem) => void = () => undefined;
  override async get(key: TableKey): Promise<TableItem | undefined> {
    await this.beforeGet();
    return super.get(key);
  }
  override async put(item: TableItem, options?: Parameters<MemoryTable['put']>[1]): Promise<void> {
    this.beforePut(item);
    return super.put(item, options);
  }
}

function setup() {
  const store: SecretStore = { get: async () => JSON.stringify({ client_secret: SECRET }), put: async () => undefined, list: async () => [], delete: async () => undefined };
  const connectionsTable = new ControlledTable('connections');
  const dedupTable = new ControlledTable('dedup');
  const published: BusMessage[] = [];
  const bus: EventBus = { publish: async (messages) => void published.push(...messages), close: async () => undefined };
  const connections = new ConnectionRegistry(connectionsTable);
  const deps: WebhookDeps = {
    secrets: new SecretResolver({ store, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 60_000 }),
    connections,
    dedup: new DedupStore(dedupTable),
    parked: new ParkedWebhookStore(new MemoryTable('parked')),
    publisher: new EventPublisher({ bus }),
  };
  let n = 0;
  const delivery = (shop: string, eventId = `evt-${++n}`) => {
    const rawBody = Buffer.from(JSON.stringify({ id: 1000 + n }));
    const headers = signedShopifyHeaders(rawBody, SECRET, { topic: 'orders/create', shop, eventId });
    return { rawBody, headers, query: {}, receivedAt: Date.now() };
  };
  const ingest = (request: ReturnType<typeof delivery>) => ingestWebhook(shopifyWebhooks, request, deps, { deadline: Date.now() + 3000 });
  return { deps, connections, connectionsTable, dedupTable, published, delivery, ingest };
}

const afterTimers: Array<() => void> = [];
afterEach(() => afterTimers.splice(0).forEach((clear) => clear()));

describe('webhook pipeline: routing and de-duplication', () => {
  it('claims the delivery while the workspace lookup is still under way', async () => {
    const { connections, connectionsTable, dedupTable, published, delivery, ingest } = setup();
    await connections.connect('shopify', 'together.myshopify.com', 'ws_together');
    let claimStarted!: () => void;
    const claimed = new Promise<void>((resolve) => (claimStarted = resolve));
    dedupTable.beforePut = (item) => item.state === 'processing' && claimStarted();
    // The routing read answers only once the claim has been made: done one after the other, this waits forever.
    let timer: NodeJS.Timeout | undefined;
    connectionsTable.beforeGet = () =>
      Promise.race([claimed, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the claim was not made while the lookup was under way')), 2000)))]);
    afterTimers.push(() => clearTimeout(timer));
    const result = await ingest(delivery('together.myshopify.com'));
    expect(result.status).toBe('accepted');
    expect(published).toHaveLength(2);
  });

  it('gives the claim up when the delivery is parked, so the replay publishes it at once', async () => {
    const { deps, connections, dedupTable, published, delivery, ingest } = setup();
    const request = delivery('unknown.myshopify.com', 'evt-parked');
    expect((await ingest(request)).status).toBe('parked');
    expect(await dedupTable.get({ pk: 'shopify:unknown.myshopify.com:orders/create:evt-parked' })).toBeUndefined();

    await connections.connect('shopify', 'unknown.myshopify.com', 'ws_later');
    const report = await replayParked({ shopify: shopifyWebhooks }, deps, { deadline: Date.now() + 3000 });
    expect(report).toMatchObject({ replayed: 1, failed: 0, stillParked: 0 });
    expect(published.map((m) => m.topic)).toEqual(['ionflux.shopify.ws_ws_later.orders.created', 'ionflux.shopify.all_workspaces']);
  });

  it('a replay that still finds no workspace leaves no claim behind', async () => {
    const { deps, dedupTable, delivery, ingest } = setup();
    await ingest(delivery('nobody.myshopify.com', 'evt-nobody'));
    const report = await replayParked({ shopify: shopifyWebhooks }, deps, { deadline: Date.now() + 3000 });
    expect(report).toMatchObject({ replayed: 0, stillParked: 1 });
    expect(await dedupTable.get({ pk: 'shopify:nobody.myshopify.com:orders/create:evt-nobody' })).toBeUndefined();
  });

  it('gives the claim up when the workspace lookup fails, so the provider’s retry is processed', async () => {
    const { connections, connectionsTable, published, delivery, ingest } = setup();
    await connections.connect('shopify', 'flaky.myshopify.com', 'ws_flaky');
    const request = delivery('flaky.myshopify.com');
    connectionsTable.beforeGet = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await expect(ingest(request)).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(published).toHaveLength(0);
    connectionsTable.beforeGet = async () => undefined;
    expect((await ingest(request)).status).toBe('accepted');
    expect(published).toHaveLength(2);
  });

  it('acknowledges a redelivery as a duplicate even when the workspace lookup fails', async () => {
    const { connections, connectionsTable, published, delivery, ingest } = setup();
    await connections.connect('shopify', 'again.myshopify.com', 'ws_again');
    const request = delivery('again.myshopify.com');
    expect((await ingest(request)).status).toBe('accepted');
    connectionsTable.beforeGet = async () => {
      throw new Error('the lookup is not needed for a duplicate');
    };
    expect((await ingest(request)).status).toBe('duplicate');
    expect(published).toHaveLength(2);
  });
});

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
import { answerHandshake, ingestWebhook, type WebhookDeps } from '../../shared/webhooks/pipeline';
import type { WebhookProvider } from '../../shared/webhooks/provider';
import { signedWhatsAppHeaders } from '../../shared/webhooks/providers/whatsapp/signature';
import { createWhatsAppWebhooks } from '../../shared/webhooks/providers/whatsapp/webhook';
import { MessageStore } from '../../shared/whatsapp/message-store';
import { NumberStates } from '../../shared/whatsapp/number-state';
import { OptInRegistry } from '../../shared/whatsapp/opt-in-registry';
import { keywordMatcher } from '../../shared/whatsapp/stop-words';
import { TemplateCache } from '../../shared/whatsapp/template-cache';
import { envelope, messagesValue, statusUpdate, statusWebhook, textMessage } from '../fakes/whatsapp/webhooks';
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

describe('webhook pipeline: several deliveries in one request (WhatsApp batches)', () => {
  const number = { wabaId: '102290129340398', phoneNumberId: '106540352242922' };
  const stranger = { wabaId: '102290129340399', phoneNumberId: '106540352242999' };

  function whatsappSetup() {
    const base = setup();
    const store: SecretStore = { get: async () => JSON.stringify({ app_secret: SECRET, verify_token: 'tok' }), put: async () => undefined, list: async () => [], delete: async () => undefined };
    base.deps.secrets = new SecretResolver({ store, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 60_000 });
    const messagesTable = new ControlledTable('messages');
    const provider = createWhatsAppWebhooks({
      messages: new MessageStore(messagesTable),
      optIns: new OptInRegistry(new MemoryTable('opt-ins')),
      numbers: new NumberStates(new MemoryTable('numbers')),
      templates: new TemplateCache(new MemoryTable('templates'), { freshMs: 60_000 }),
      keywords: keywordMatcher(),
    });
    const post = (payload: unknown) => {
      const rawBody = Buffer.from(JSON.stringify(payload));
      return ingestWebhook(provider, { rawBody, headers: signedWhatsAppHeaders(rawBody, SECRET), query: {}, receivedAt: Date.now() }, base.deps, { deadline: Date.now() + 3000 });
    };
    return { ...base, provider, messagesTable, post };
  }

  it('processes independent deliveries at the same time, and one key’s deliveries in order', async () => {
    const { connections, messagesTable, published, post } = whatsappSetup();
    await connections.connect('whatsapp', number.phoneNumberId, 'ws_batch');
    // Each status's store write waits until another delivery has started one too: done one by one, this never finishes.
    let inFlight = 0;
    let release!: () => void;
    const together = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    messagesTable.beforePut = () => undefined;
    const update = messagesTable.update.bind(messagesTable);
    messagesTable.update = async (key, spec, options) => {
      if (String(key.pk).startsWith('msg#wamid.independent')) {
        if (++inFlight === 2) release();
        await Promise.race([together, new Promise((_, reject) => setTimeout(() => reject(new Error('deliveries were processed one at a time')), 2000).unref())]);
      }
      if (String(key.pk) === 'msg#wamid.ordered') order.push(String(spec.set?.status));
      return update(key, spec, options);
    };
    const statuses = [
      statusUpdate({ wamid: 'wamid.independent1', status: 'sent', recipient: '5511987654321' }),
      statusUpdate({ wamid: 'wamid.independent2', status: 'sent', recipient: '5511987654321' }),
      statusUpdate({ wamid: 'wamid.ordered', status: 'sent', recipient: '5511987654321' }),
      statusUpdate({ wamid: 'wamid.ordered', status: 'delivered', recipient: '5511987654321' }),
      statusUpdate({ wamid: 'wamid.ordered', status: 'read', recipient: '5511987654321' }),
    ];
    const result = await post(statusWebhook(number, statuses));
    expect(result.deliveries.map((d) => d.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(order).toEqual(['sent', 'delivered', 'read']);
    // Per delivery: the workspace topic and the fan-in, in the produce request of that delivery.
    expect(published).toHaveLength(10);
  });

  it('parks a request once per unknown account, and a replay publishes only that account’s deliveries', async () => {
    const { deps, connections, published, post, provider } = whatsappSetup();
    await connections.connect('whatsapp', number.phoneNumberId, 'ws_known');
    const payload = envelope([
      { wabaId: number.wabaId, changes: [{ field: 'messages', value: messagesValue(number, { messages: [textMessage({ from: '5511900000001', text: 'a' })] }) }] },
      { wabaId: stranger.wabaId, changes: [{ field: 'messages', value: messagesValue(stranger, { messages: [textMessage({ from: '5511900000002', text: 'b' }), textMessage({ from: '5511900000003', text: 'c' })] }) }] },
    ]);
    expect((await post(payload)).deliveries.map((d) => d.status)).toEqual(['accepted', 'parked', 'parked']);
    expect(await deps.parked.list()).toHaveLength(1);
    await connections.connect('whatsapp', stranger.phoneNumberId, 'ws_stranger');
    published.length = 0;
    const report = await replayParked({ whatsapp: provider as unknown as WebhookProvider }, deps, { deadline: Date.now() + 3000 });
    expect(report).toMatchObject({ replayed: 1, stillParked: 0, failed: 0 });
    expect(published.map((m) => m.topic)).toEqual([
      'ionflux.whatsapp.ws_ws_stranger.incoming_message',
      'ionflux.whatsapp.all_workspaces',
      'ionflux.whatsapp.ws_ws_stranger.incoming_message',
      'ionflux.whatsapp.all_workspaces',
    ]);
  });

  it('answers a provider’s handshake, and refuses it (403) for a provider without one or a wrong token', async () => {
    const { deps, provider } = whatsappSetup();
    expect(await answerHandshake(provider, { 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': '42' }, deps)).toBe('42');
    await expect(answerHandshake(provider, { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '42' }, deps)).rejects.toMatchObject({ status: 403 });
    await expect(answerHandshake(shopifyWebhooks, { 'hub.challenge': '42' }, deps)).rejects.toMatchObject({ status: 403, code: 'verification_refused' });
  });
});

/**
 * A rotated webhook signing key: an environment that cached the old one reads the key again on a
 * signature mismatch — at most once a minute, so forged requests cannot turn into a store read each.
 */
import { createShopifyWebhookHandler } from '../../functions/webhooks/shopify';
import { buildHttpApiEvent } from '../../local/api-gateway-event';
import { lambdaContext } from '../../local/lambda-context';
import { ConnectionRegistry } from '../../shared/connections/connection-registry';
import type { BusMessage, EventBus } from '../../shared/events/event-bus';
import { EventPublisher } from '../../shared/events/publisher';
import { SecretResolver } from '../../shared/secrets/secret-resolver';
import type { SecretStore } from '../../shared/secrets/secret-store';
import { MemoryTable } from '../../shared/storage/memory-table';
import { DedupStore } from '../../shared/webhooks/dedup-store';
import { ParkedWebhookStore } from '../../shared/webhooks/parked-store';
import { SIGNING_KEY_RECHECK_MS } from '../../shared/webhooks/pipeline';
import { signedShopifyHeaders } from '../../shared/webhooks/providers/shopify/shopify-hmac';
import { WorkspaceDirectory } from '../../shared/workspaces/workspace-directory';

const SHOP = 'rotating.myshopify.com';

describe('webhook signing key rotation', () => {
  it('a webhook signed with the new key is accepted once the cached key is a minute old; forgeries cause no extra reads', async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    let clientSecret = 'old-secret';
    let reads = 0;
    const store: SecretStore = {
      get: async () => {
        reads++;
        return JSON.stringify({ client_secret: clientSecret });
      },
      put: async () => undefined,
      list: async () => [],
      delete: async () => undefined,
    };
    const published: BusMessage[] = [];
    const bus: EventBus = { publish: async (messages) => void published.push(...messages), close: async () => undefined };
    const connections = new ConnectionRegistry(new MemoryTable('connections'));
    await connections.connect('shopify', SHOP, 'rotating_ws');
    const deps = {
      secrets: new SecretResolver({ store, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 300_000, clock: () => now }),
      connections,
      dedup: new DedupStore(new MemoryTable('dedup')),
      parked: new ParkedWebhookStore(new MemoryTable('parked')),
      publisher: new EventPublisher({ bus }),
    };
    const handler = createShopifyWebhookHandler(() => deps) as unknown as (event: unknown, context: unknown) => Promise<{ statusCode: number }>;
    let n = 0;
    const send = async (secret: string) => {
      const body = Buffer.from(JSON.stringify({ id: ++n }));
      const event = buildHttpApiEvent({ method: 'POST', rawPath: '/webhooks/shopify', routeKey: 'POST /webhooks/shopify', headers: signedShopifyHeaders(body, secret, { topic: 'orders/create', shop: SHOP }), body });
      return (await handler(event, lambdaContext('webhook-shopify', 10))).statusCode;
    };

    expect(await send('old-secret')).toBe(200);
    expect(reads).toBe(1);
    clientSecret = 'new-secret'; // rotated by an operator
    now += 10_000;
    expect(await send('new-secret')).toBe(401); // cached key read 10 s ago: no re-read yet
    expect(await send('forged')).toBe(401);
    expect(reads).toBe(1);
    now += SIGNING_KEY_RECHECK_MS;
    expect(await send('new-secret')).toBe(200); // read again, and it verifies
    expect(reads).toBe(2);
    for (let i = 0; i < 5; i++) expect(await send('forged')).toBe(401);
    expect(reads).toBe(2); // the key was just read: forgeries do not trigger reads
    expect(published).toHaveLength(4); // two accepted webhooks, two topics each
  });
});

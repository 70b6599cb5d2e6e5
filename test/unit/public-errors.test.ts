/**
 * Errors say the truth, and no more than the caller may know (issue 11 §3): public routes (`signature`,
 * `public`) never see secret names, configuration or CLI hints, internal (`iam`) routes do; an unsigned
 * webhook is a 401 before any secret is read, even while the secret store is down; a storage outage
 * during an LLM call is a retryable 503 `storage_unavailable`, not the provider's fault.
 */
import { WebhookSignatureError } from '../../shared/webhooks/errors';
import type { WebhookProvider } from '../../shared/webhooks/provider';
import { webhookProviders } from '../../shared/webhooks/providers';
import { createWhatsAppWebhooks } from '../../shared/webhooks/providers/whatsapp/webhook';
import { MessageStore } from '../../shared/whatsapp/message-store';
import { NumberStates } from '../../shared/whatsapp/number-state';
import { OptInRegistry } from '../../shared/whatsapp/opt-in-registry';
import { keywordMatcher } from '../../shared/whatsapp/stop-words';
import { TemplateCache } from '../../shared/whatsapp/template-cache';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createShopifyWebhookHandler } from '../../functions/webhooks/shopify';
import { ConnectionRegistry } from '../../shared/connections/connection-registry';
import { ConfigurationError } from '../../shared/errors';
import type { EventBus } from '../../shared/events/event-bus';
import { EventPublisher } from '../../shared/events/publisher';
import { httpHandler } from '../../shared/http/handler';
import { modelCatalog } from '../../shared/llm/catalog';
import { Cooldowns } from '../../shared/llm/cooldown';
import { llmHttpHandler } from '../../shared/llm/http';
import { mediaFetcher } from '../../shared/llm/inputs';
import { openaiProvider } from '../../shared/llm/providers/openai';
import { defaultRetryPolicy } from '../../shared/llm/retry-policy';
import { LlmService } from '../../shared/llm/service';
import { SecretStoreError } from '../../shared/secrets/errors';
import { SecretResolver } from '../../shared/secrets/secret-resolver';
import type { SecretStore } from '../../shared/secrets/secret-store';
import { OAuthRefusedError } from '../../shared/shopify/errors';
import { MemoryTable } from '../../shared/storage/memory-table';
import { StorageError } from '../../shared/storage/errors';
import { DedupStore } from '../../shared/webhooks/dedup-store';
import { ParkedWebhookStore } from '../../shared/webhooks/parked-store';
import { signedShopifyHeaders } from '../../shared/webhooks/providers/shopify/shopify-hmac';
import { WorkspaceDirectory } from '../../shared/workspaces/workspace-directory';
import { invokeHttp } from '../support/http';

type Handler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<unknown>;
const IAM = { userArn: 'arn:aws:iam::000000000000:user/platform', accountId: '000000000000' };

/** A Secrets Manager that is down: every read fails the way the store reports an outage. */
function downStore(): SecretStore & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    get: async (name) => {
      reads.push(name);
      throw new SecretStoreError('reading', name, new Error('connect ECONNREFUSED'));
    },
    put: async () => undefined,
    list: async () => [],
    delete: async () => undefined,
  };
}

describe('error exposure by route auth', () => {
  const misconfigured = httpHandler(async () => {
    throw new ConfigurationError('secret ionflux/platform/shopify has no "client_secret" (set it with: npx ionflux secrets set ionflux/platform/shopify …)', {
      code: 'secret_not_configured',
      details: { secret: 'ionflux/platform/shopify' },
    });
  }) as unknown as Handler;

  it('tells an internal (IAM-authorised) caller everything: code, secret name, CLI hint', async () => {
    const result = await invokeHttp(misconfigured, { method: 'GET', rawPath: '/x', iamCaller: IAM });
    expect(result.status).toBe(500);
    expect(result.json.error).toMatchObject({ code: 'secret_not_configured', details: { secret: 'ionflux/platform/shopify' } });
    expect(result.json.error.message).toContain('npx ionflux secrets set');
  });

  it('tells a public caller only that it failed, with the request id to quote', async () => {
    const result = await invokeHttp(misconfigured, { method: 'GET', rawPath: '/x' });
    expect(result.status).toBe(500);
    expect(result.json).toEqual({ error: { code: 'internal_error', message: expect.any(String), request_id: expect.any(String) } });
    expect(result.text).not.toMatch(/ionflux\/|secret|npx|configur/i);
  });

  it('keeps the status and Retry-After of an outage for public callers, and the caller\'s own mistakes as raised', async () => {
    const outage = await invokeHttp(
      httpHandler(async () => {
        throw new StorageError('ionflux-webhook-dedup', 'put', new Error('throttled'));
      }) as unknown as Handler,
      { method: 'POST', rawPath: '/webhooks/x' },
    );
    expect(outage.status).toBe(503);
    expect(outage.json.error.code).toBe('temporarily_unavailable');
    expect(outage.text).not.toContain('ionflux-webhook-dedup');

    // Written for the merchant on purpose: shown even with a 5xx status.
    const refused = await invokeHttp(
      httpHandler(async () => {
        throw new OAuthRefusedError('code_exchange_refused', 'Shopify refused the authorization code; start the install again', 502);
      }) as unknown as Handler,
      { method: 'GET', rawPath: '/oauth/x' },
    );
    expect(refused.json.error).toMatchObject({ code: 'code_exchange_refused', message: expect.stringContaining('start the install again') });
  });

  it('decides from the route: the manifest\'s iam routes get API Gateway\'s IAM caller, webhook routes do not', async () => {
    // invokeHttp builds events as API Gateway does for the manifest's routes: the settings route is `iam`.
    const internal = await invokeHttp(misconfigured, { method: 'GET', rawPath: '/v1/workspaces/acme/settings' });
    expect(internal.json.error.code).toBe('secret_not_configured');
    const webhook = await invokeHttp(misconfigured, { method: 'POST', rawPath: '/webhooks/shopify' });
    expect(webhook.json.error.code).toBe('internal_error');
  });
});

describe('Shopify webhooks while Secrets Manager is down', () => {
  const shop = 'outage.myshopify.com';
  async function handlerWith(store: SecretStore) {
    const bus: EventBus = { publish: async () => undefined, close: async () => undefined };
    const connections = new ConnectionRegistry(new MemoryTable('connections'));
    await connections.connect('shopify', shop, 'outage_ws');
    const deps = {
      secrets: new SecretResolver({ store, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 60_000 }),
      connections,
      dedup: new DedupStore(new MemoryTable('dedup')),
      parked: new ParkedWebhookStore(new MemoryTable('parked')),
      publisher: new EventPublisher({ bus }),
    };
    return createShopifyWebhookHandler(() => deps) as unknown as Handler;
  }
  const body = Buffer.from(JSON.stringify({ id: 1 }));
  const headers = signedShopifyHeaders(body, 'some-secret', { topic: 'orders/create', shop });

  it('refuses an unsigned or badly signed request with 401 before reading any secret', async () => {
    const store = downStore();
    const handler = await handlerWith(store);
    for (const signature of [undefined, '', 'not-base64!', 'AAAA', `${headers['x-shopify-hmac-sha256']!.slice(0, -2)}x=`]) {
      const result = await invokeHttp(handler, { method: 'POST', rawPath: '/webhooks/shopify', headers: { ...headers, 'x-shopify-hmac-sha256': signature }, body });
      expect(result.status).toBe(401);
      expect(result.json.error.code).toMatch(/^(missing|invalid)_signature$/);
    }
    expect(store.reads).toEqual([]);
  });

  it('answers a well-formed signed request 503 without naming the secret', async () => {
    const store = downStore();
    const result = await invokeHttp(await handlerWith(store), { method: 'POST', rawPath: '/webhooks/shopify', headers, body });
    expect(store.reads).toEqual(['ionflux/platform/shopify']);
    expect(result.status).toBe(503);
    expect(result.json.error).toEqual({ code: 'temporarily_unavailable', message: expect.any(String), request_id: expect.any(String) });
    expect(result.text).not.toContain('ionflux/platform');
  });
});

describe('every signed webhook provider', () => {
  it('refuses a request without its signature headers before any key is needed', () => {
    // WhatsApp's provider is built with its stores by the composition root: built here over memory tables.
    const whatsapp = createWhatsAppWebhooks({
      messages: new MessageStore(new MemoryTable('messages')),
      optIns: new OptInRegistry(new MemoryTable('opt-ins')),
      numbers: new NumberStates(new MemoryTable('numbers')),
      templates: new TemplateCache(new MemoryTable('templates'), { freshMs: 1000 }),
      keywords: keywordMatcher(),
    });
    const signed = [...Object.values(webhookProviders), whatsapp].filter((p): p is WebhookProvider => 'requireSignature' in p);
    expect(signed.map((p) => p.name)).toEqual(expect.arrayContaining(['shopify', 'sendgrid', 'whatsapp']));
    for (const provider of signed) {
      const bare = { rawBody: Buffer.from('[]'), headers: {}, query: {}, receivedAt: Date.now() };
      expect(() => provider.requireSignature(bare)).toThrow(WebhookSignatureError);
    }
  });
});

describe('LLM call while the secret store is down', () => {
  it('is a retryable 503 storage_unavailable, not a provider failure', async () => {
    const store = downStore();
    const bus: EventBus = { publish: async () => undefined, close: async () => undefined };
    const service = new LlmService({
      catalog: modelCatalog(),
      providers: [openaiProvider],
      secrets: new SecretResolver({ store, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 60_000 }),
      publisher: new EventPublisher({ bus }),
      cooldowns: new Cooldowns(),
      fetchMedia: mediaFetcher({ localMode: true, timeoutMs: 1000 }),
      vetBaseUrl: async () => undefined,
      workspaceFetch: globalThis.fetch,
      policy: defaultRetryPolicy,
      source: 'test',
    });
    const handler = llmHttpHandler('text_generation', () => service) as unknown as Handler;
    const result = await invokeHttp(handler, {
      method: 'POST',
      rawPath: '/v1/llm/text-generation',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workspace_id: 'ws_outage', task_type: 'text_generation', provider: 'openai', model: 'gpt-4o', prompt: 'hi' }),
    });
    expect(result.status).toBe(503);
    expect(result.headers['retry-after']).toBeDefined();
    expect(result.json.error.code).toBe('storage_unavailable');
    expect(result.json.error.details.attempts).toEqual([expect.objectContaining({ provider: 'openai', error_code: 'secret_store_unavailable', retryable: true })]);
  });
});

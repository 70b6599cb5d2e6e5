/**
 * Test plumbing around the fake Shopify: start it, point the code at it (SHOPIFY_API_ORIGIN with the
 * `{shop}` placeholder), store the app's platform secret, run the real install flow through the real
 * handlers, deliver Kafka records to a consumer handler as an MSK batch.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as callbackHandler } from '../../../functions/shopify/oauth-callback';
import { handler as installHandler } from '../../../functions/shopify/oauth-install';
import { lambdaContext } from '../../../local/lambda-context';
import { buildMskEvent } from '../../../shared/events/msk-event';
import { connectionRegistry } from '../../../shared/runtime/connections';
import { eventBus } from '../../../shared/runtime/events';
import { shopStateStore, shopTokenStore } from '../../../shared/runtime/shopify';
import { shopTokenSecretName } from '../../../shared/shopify/token-store';
import { resetEnvironment } from '../../../shared/runtime/per-environment';
import { platformSecretName } from '../../../shared/secrets/names';
import { installLinkQuery } from '../../../shared/shopify/install-link';
import { secretRoot, useLocalServices } from '../../support/environment';
import { drainOutbox } from '../../support/outbox';
import { invokeHttp, type InvokeResult } from '../../support/http';
import { recordSecretValue, storeSecret } from '../../support/secrets';
import { SHOPIFY_SECRET } from '../../support/shopify';
import { FakeShopify, type FakeShopifyOptions } from './fake-shopify';

export const CLIENT_ID = `ionflux-test-${randomUUID().slice(0, 8)}`;
export const PUBLIC_BASE_URL = 'https://hooks.ionflux.test';

export const newShopDomain = (label = 'shop') => `${label}-${randomUUID().slice(0, 8)}.myshopify.com`;

type AnyHandler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<unknown>;
export const asHandler = (h: unknown) => h as AnyHandler;

/** Real services (moto + Kafka), a started fake Shopify and the code pointed at it. */
export async function startShopifyEnvironment(options: Partial<FakeShopifyOptions> = {}): Promise<FakeShopify> {
  const fake = await new FakeShopify({ clientId: CLIENT_ID, clientSecret: SHOPIFY_SECRET, onSecretIssued: recordSecretValue, ...options }).start();
  process.env.SHOPIFY_API_ORIGIN = fake.apiOriginTemplate;
  process.env.IONFLUX_PUBLIC_BASE_URL = PUBLIC_BASE_URL;
  process.env.SHOPIFY_API_VERSION = '2026-07';
  await useLocalServices();
  await storeSecret(platformSecretName(secretRoot(), 'shopify'), { client_id: CLIENT_ID, client_secret: SHOPIFY_SECRET });
  return fake;
}

export async function stopShopifyEnvironment(fake: FakeShopify | undefined): Promise<void> {
  await fake?.stop();
  await resetEnvironment();
}

/** A signed install link's query, as the platform issues it (shared/shopify/install-link.ts). */
export const signedInstallQuery = (shop: string, workspaceId: string, now = Date.now(), ttlS?: number) =>
  installLinkQuery(SHOPIFY_SECRET, shop, workspaceId, now, ttlS).toString();

export function installRequest(shop: string, workspaceId: string, headers: Record<string, string> = {}, rawQueryString = signedInstallQuery(shop, workspaceId)): Promise<InvokeResult> {
  return invokeHttp(asHandler(installHandler), {
    method: 'GET',
    rawPath: '/oauth/shopify/install',
    routeKey: 'GET /oauth/shopify/install',
    rawQueryString,
    headers: { host: 'hooks.ionflux.test', ...headers },
  });
}

export function callbackRequest(rawQueryString: string, headers: Record<string, string> = {}): Promise<InvokeResult> {
  return invokeHttp(
    asHandler(callbackHandler),
    { method: 'GET', rawPath: '/oauth/shopify/callback', routeKey: 'GET /oauth/shopify/callback', rawQueryString, headers: { host: 'hooks.ionflux.test', ...headers } },
    29,
  );
}

/** What the merchant's browser does at the shop: approve, and follow Shopify's redirect back to us. */
export async function approveAtShop(location: string): Promise<string> {
  const response = await fetch(location, { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  const back = new URL(response.headers.get('location')!);
  return back.search.slice(1);
}

/** The whole install, as a merchant does it; returns the callback's response and its query. */
export async function installShop(shop: string, workspaceId: string, headers: Record<string, string> = { accept: 'application/json' }): Promise<{ response: InvokeResult; callbackQuery: string }> {
  const install = await installRequest(shop, workspaceId);
  if (install.status !== 302) throw new Error(`install answered ${install.status}: ${install.text}`);
  const callbackQuery = await approveAtShop(String(install.headers.location));
  return { response: await callbackRequest(callbackQuery, headers), callbackQuery };
}

/**
 * The events on a topic, once the outbox is drained: the Admin API functions publish through the outbox
 * (outbox-drain takes the events to Kafka), as deployed.
 */
export async function eventsOf(topic: string) {
  await drainOutbox();
  return (await eventBus().readAll(topic)).map((r) => ({ ...r, event: JSON.parse(r.value) }));
}

/**
 * When this test file started (jest loads the harness once per file). The all-workspaces topic is shared
 * by every run on the broker (and by the webhook benchmark), so it is read from here, not from its start.
 */
export const fileStartedAt = Date.now() - 1000;

/** Records of the all-workspaces topic for one workspace, delivered to an MSK consumer handler. */
export async function deliverFanIn(handler: unknown, workspaceId: string, functionId: string): Promise<unknown> {
  await drainOutbox();
  const records = (await eventBus().readAll('ionflux.shopify.all_workspaces', { since: fileStartedAt })).filter((r) => (JSON.parse(r.value) as { workspace_id: string }).workspace_id === workspaceId);
  const event = buildMskEvent(
    records.map((r) => ({ ...r, offset: Number(r.offset) })),
    { clusterArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' },
  );
  return (handler as (e: unknown, c: unknown) => Promise<unknown>)(event, lambdaContext(functionId, 60));
}

/**
 * A shop installed without going through OAuth (tests that start from an installed shop): tokens issued
 * by the fake and stored where the callback stores them, the connection and the workspace index.
 */
export async function seedInstalledShop(
  fake: FakeShopify,
  shop: string,
  workspaceId: string,
  options: { expiring?: boolean; expiresInS?: number; data?: Parameters<FakeShopify['addShop']>[1] } = {},
): Promise<{ secretName: string }> {
  if (!fake.shops.has(shop)) fake.addShop(shop, options.data);
  const issued = fake.issueTokens(shop, { ...(options.expiring !== undefined ? { expiring: options.expiring } : {}), ...(options.expiresInS ? { expiresInS: options.expiresInS } : {}) });
  const secretName = shopTokenSecretName(secretRoot(), workspaceId, shop);
  const now = Date.now();
  await shopTokenStore().write(
    secretName,
    {
      access_token: issued.access_token,
      scope: issued.scope,
      obtained_at: now,
      ...(issued.expires_in ? { expires_at: now + issued.expires_in * 1000 } : {}),
      ...(issued.refresh_token ? { refresh_token: issued.refresh_token } : {}),
    },
    { shop, workspaceId },
  );
  await connectionRegistry().connect('shopify', shop, workspaceId, { access_token_secret_ref: secretName, webhook_uri: `${PUBLIC_BASE_URL}/webhooks/shopify` });
  await shopStateStore().linkWorkspace(workspaceId, shop);
  return { secretName };
}

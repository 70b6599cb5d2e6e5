/**
 * Test plumbing around the fake Graph API: start it, store the platform secret pointing at it
 * (`base_url`), connect numbers, deliver signed webhooks to the real handler, call the internal routes,
 * read events back from Kafka (draining the outbox the API functions publish through).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as webhookHandler } from '../../../functions/webhooks/whatsapp';
import { handler as verifyHandler } from '../../../functions/webhooks/whatsapp-verify';
import { handler as onboardingHandler } from '../../../functions/whatsapp/onboarding';
import { handler as optInCreate } from '../../../functions/whatsapp/opt-ins-create';
import { handler as optInDelete } from '../../../functions/whatsapp/opt-ins-delete';
import { handler as optInGet } from '../../../functions/whatsapp/opt-ins-get';
import { handler as sendHandler } from '../../../functions/whatsapp/send';
import { handler as templatesDelete } from '../../../functions/whatsapp/templates-delete';
import { handler as templatesList } from '../../../functions/whatsapp/templates-list';
import { handler as templatesSubmit } from '../../../functions/whatsapp/templates-submit';
import { connectionRegistry } from '../../../shared/runtime/connections';
import { eventBus } from '../../../shared/runtime/events';
import { resetEnvironment } from '../../../shared/runtime/per-environment';
import { platformSecretName } from '../../../shared/secrets/names';
import { secretRoot, useLocalServices } from '../../support/environment';
import { invokeHttp, type InvokeResult } from '../../support/http';
import { drainOutbox } from '../../support/outbox';
import { recordSecretValue, storeSecret } from '../../support/secrets';
import { FakeGraph, type FakeGraphOptions } from './fake-graph';
import { metaJson } from './webhooks';
import { signWhatsAppWebhook } from '../../../shared/webhooks/providers/whatsapp/signature';

type AnyHandler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<unknown>;
const h = (handler: unknown) => handler as AnyHandler;

export const VERIFY_TOKEN = 'verify-token-for-tests-7d1e';
export const API_VERSION = 'v27.0';

let numberSeq = Math.floor(Math.random() * 1e6);
/** A fresh phone_number_id / waba_id pair (digits, unique per test run). */
export function newNumber(): { phoneNumberId: string; wabaId: string } {
  numberSeq++;
  return { phoneNumberId: `1065${String(Date.now()).slice(-7)}${String(numberSeq).padStart(7, '0')}`, wabaId: `1022${String(Date.now()).slice(-7)}${String(numberSeq).padStart(7, '0')}` };
}

let userSeq = 0;
export const newUser = () => `55119${String(Date.now()).slice(-5)}${String(++userSeq).padStart(3, '0')}`;

export interface WhatsAppEnvironment {
  fake: FakeGraph;
  systemToken: string;
}

/** Real services (moto + Kafka), a started fake Graph API and the platform secret pointing at it. */
export async function startWhatsAppEnvironment(options: FakeGraphOptions = {}): Promise<WhatsAppEnvironment> {
  const fake = await new FakeGraph({ onSecretIssued: recordSecretValue, ...options }).start();
  await useLocalServices();
  const systemToken = fake.systemToken();
  await storePlatformSecret(fake, { access_token: systemToken });
  return { fake, systemToken };
}

export async function storePlatformSecret(fake: FakeGraph, extra: Record<string, string> = {}): Promise<void> {
  await storeSecret(platformSecretName(secretRoot(), 'whatsapp'), {
    app_id: fake.appId,
    app_secret: fake.appSecret,
    verify_token: VERIFY_TOKEN,
    base_url: fake.url,
    api_version: API_VERSION,
    ...extra,
  });
}

export async function stopWhatsAppEnvironment(env: WhatsAppEnvironment | undefined): Promise<void> {
  await env?.fake.stop();
  await resetEnvironment();
}

/** A number of the fake, connected to `workspaceId` with its WABA (what `connections add whatsapp … --waba` records). */
export async function connectNumber(fake: FakeGraph, workspaceId: string, options: { mps?: number; fakeMps?: number } = {}): Promise<{ phoneNumberId: string; wabaId: string }> {
  const ids = newNumber();
  fake.addNumber(ids.phoneNumberId, ids.wabaId, { ...(options.fakeMps ? { mps: options.fakeMps } : {}) });
  await connectionRegistry().connect('whatsapp_waba', ids.wabaId, workspaceId);
  await connectionRegistry().connect('whatsapp', ids.phoneNumberId, workspaceId, { waba_id: ids.wabaId, ...(options.mps ? { throughput_mps: options.mps } : {}) });
  return ids;
}

/** POSTs a webhook as Meta does: the body as Meta escapes it (unless given raw), signed over those bytes. */
export function deliverWebhook(fake: FakeGraph, payload: unknown, options: { raw?: string; secret?: string; signature?: string | null } = {}): Promise<InvokeResult> {
  const body = options.raw ?? metaJson(payload);
  const signature = options.signature === null ? undefined : (options.signature ?? signWhatsAppWebhook(body, options.secret ?? fake.appSecret));
  return invokeHttp(h(webhookHandler), {
    method: 'POST',
    rawPath: '/webhooks/whatsapp',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
    body,
  });
}

export const verifyRequest = (rawQueryString: string) => invokeHttp(h(verifyHandler), { method: 'GET', rawPath: '/webhooks/whatsapp', rawQueryString });

const route = (workspaceId: string, rest: string) => `/v1/whatsapp/workspaces/${workspaceId}${rest}`;

export function sendMessage(workspaceId: string, body: unknown, timeoutS = 29): Promise<InvokeResult> {
  return invokeHttp(
    h(sendHandler),
    { method: 'POST', rawPath: route(workspaceId, '/messages'), routeKey: 'POST /v1/whatsapp/workspaces/{workspace_id}/messages', pathParameters: { workspace_id: workspaceId }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    timeoutS,
  );
}

export function recordOptIn(workspaceId: string, body: unknown): Promise<InvokeResult> {
  return invokeHttp(h(optInCreate), { method: 'POST', rawPath: route(workspaceId, '/opt-ins'), pathParameters: { workspace_id: workspaceId }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export function readOptIn(workspaceId: string, waId: string, query = ''): Promise<InvokeResult> {
  return invokeHttp(h(optInGet), { method: 'GET', rawPath: route(workspaceId, `/opt-ins/${waId}`), rawQueryString: query, pathParameters: { workspace_id: workspaceId, wa_id: waId } });
}

export function recordOptOut(workspaceId: string, waId: string, body?: unknown): Promise<InvokeResult> {
  return invokeHttp(h(optInDelete), { method: 'DELETE', rawPath: route(workspaceId, `/opt-ins/${waId}`), pathParameters: { workspace_id: workspaceId, wa_id: waId }, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
}

export function listTemplates(workspaceId: string, query: string): Promise<InvokeResult> {
  return invokeHttp(h(templatesList), { method: 'GET', rawPath: route(workspaceId, '/templates'), rawQueryString: query, pathParameters: { workspace_id: workspaceId } }, 29);
}

export function submitTemplate(workspaceId: string, body: unknown): Promise<InvokeResult> {
  return invokeHttp(h(templatesSubmit), { method: 'POST', rawPath: route(workspaceId, '/templates'), pathParameters: { workspace_id: workspaceId }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, 29);
}

export function deleteTemplate(workspaceId: string, name: string, query: string): Promise<InvokeResult> {
  return invokeHttp(h(templatesDelete), { method: 'DELETE', rawPath: route(workspaceId, `/templates/${name}`), rawQueryString: query, pathParameters: { workspace_id: workspaceId, name } }, 29);
}

export function onboard(workspaceId: string, body: unknown): Promise<InvokeResult> {
  return invokeHttp(h(onboardingHandler), { method: 'POST', rawPath: route(workspaceId, '/onboarding'), pathParameters: { workspace_id: workspaceId }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, 29);
}

/**
 * When this test file started. The fan-in topic is shared by every run on the broker, so it is read
 * from here, not from its start.
 */
export const fileStartedAt = Date.now() - 1000;

/** The events on a topic (after draining the outbox, through which the API functions publish). */
export async function eventsIn(topic: string, since?: number) {
  await drainOutbox();
  return (await eventBus().readAll(topic, since === undefined ? {} : { since })).map((r) => ({ ...r, event: JSON.parse(r.value) as { event_id: string; event_type: string; workspace_id: string; timestamp: string; payload_json: Record<string, any> } })); // eslint-disable-line @typescript-eslint/no-explicit-any
}

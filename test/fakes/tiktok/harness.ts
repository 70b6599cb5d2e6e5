/**
 * Test plumbing around the fake TikTok: start it, store the app's platform secret pointing at it
 * (`base_url`, `auth_url`), connect an account through the real handlers (install link → install →
 * authorize at the fake → callback), or seed one without OAuth, and call the agent routes as API Gateway
 * would.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as disconnectHandler } from '../../../functions/tiktok/account-disconnect';
import { handler as accountsListHandler } from '../../../functions/tiktok/accounts-list';
import { handler as installLinkHandler } from '../../../functions/tiktok/install-link';
import { handler as callbackHandler } from '../../../functions/tiktok/oauth-callback';
import { handler as installHandler } from '../../../functions/tiktok/oauth-install';
import { handler as researchHashtagsHandler } from '../../../functions/tiktok/research-hashtags';
import { handler as researchVideosHandler } from '../../../functions/tiktok/research-videos';
import { handler as userInfoHandler } from '../../../functions/tiktok/user-info';
import { handler as videosListHandler } from '../../../functions/tiktok/videos-list';
import { handler as videosQueryHandler } from '../../../functions/tiktok/videos-query';
import { handler as tiktokWebhookHandler } from '../../../functions/webhooks/tiktok';
import { connectionRegistry } from '../../../shared/runtime/connections';
import { eventBus } from '../../../shared/runtime/events';
import { resetEnvironment } from '../../../shared/runtime/per-environment';
import { tiktokTokenStore } from '../../../shared/runtime/tiktok';
import { platformSecretName } from '../../../shared/secrets/names';
import { tiktokTokenSecretName } from '../../../shared/tiktok/tokens';
import { signedTikTokHeaders } from '../../../shared/webhooks/providers/tiktok/tiktok-signature';
import { secretRoot, useLocalServices } from '../../support/environment';
import { invokeHttp, type InvokeResult } from '../../support/http';
import { drainOutbox } from '../../support/outbox';
import { recordSecretValue, storeSecret } from '../../support/secrets';
import { FakeTikTok, type FakeTikTokOptions } from './fake-tiktok';

export const CLIENT_KEY = `awtest${randomUUID().replace(/-/g, '').slice(0, 10)}`;
export const TIKTOK_SECRET = `tts_${randomUUID().replace(/-/g, '')}`;
export const PUBLIC_BASE_URL = 'https://hooks.ionflux.test';
export const ALL_SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'];

type AnyHandler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<unknown>;
const asHandler = (h: unknown) => h as AnyHandler;

export const newOpenId = (label = 'act') => `-000${label}${randomUUID().replace(/-/g, '').slice(0, 16)}`;

/** The platform secret of the app, pointing at the fake. */
export const storeTikTokSecret = (fake: FakeTikTok, fields: Record<string, string> = {}) =>
  storeSecret(platformSecretName(secretRoot(), 'tiktok'), { client_key: CLIENT_KEY, client_secret: TIKTOK_SECRET, base_url: fake.origin, auth_url: fake.authUrl, ...fields });

/** Real services (moto + Kafka), a started fake TikTok and the app's secret pointing at it. */
export async function startTikTokEnvironment(options: Partial<FakeTikTokOptions> = {}): Promise<FakeTikTok> {
  const fake = await new FakeTikTok({ clientKey: CLIENT_KEY, clientSecret: TIKTOK_SECRET, onSecretIssued: recordSecretValue, ...options }).start();
  process.env.IONFLUX_PUBLIC_BASE_URL = PUBLIC_BASE_URL;
  await useLocalServices();
  await storeTikTokSecret(fake);
  return fake;
}

export async function stopTikTokEnvironment(fake: FakeTikTok | undefined): Promise<void> {
  await fake?.stop();
  delete process.env.IONFLUX_PUBLIC_BASE_URL;
  await resetEnvironment();
}

const json = { 'content-type': 'application/json', accept: 'application/json' };

export function installLinkRequest(workspaceId: string, body?: unknown): Promise<InvokeResult> {
  return invokeHttp(asHandler(installLinkHandler), {
    method: 'POST',
    rawPath: `/v1/tiktok/workspaces/${workspaceId}/install-link`,
    routeKey: 'POST /v1/tiktok/workspaces/{workspace_id}/install-link',
    pathParameters: { workspace_id: workspaceId },
    headers: { ...json, host: 'api.ionflux.test' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

export function installRequest(rawQueryString: string, headers: Record<string, string> = {}): Promise<InvokeResult> {
  return invokeHttp(asHandler(installHandler), { method: 'GET', rawPath: '/oauth/tiktok/install', routeKey: 'GET /oauth/tiktok/install', rawQueryString, headers: { host: 'hooks.ionflux.test', ...headers } });
}

export function callbackRequest(rawQueryString: string, headers: Record<string, string> = {}): Promise<InvokeResult> {
  return invokeHttp(
    asHandler(callbackHandler),
    { method: 'GET', rawPath: '/oauth/tiktok/callback', routeKey: 'GET /oauth/tiktok/callback', rawQueryString, headers: { host: 'hooks.ionflux.test', ...headers } },
    29,
  );
}

/** What the user's browser does at TikTok: decide, and follow TikTok's redirect back to us. */
export async function authorizeAtTikTok(location: string): Promise<string> {
  const response = await fetch(location, { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location')!).search.slice(1);
}

/** The whole connection, as a user does it: link → install → authorize → callback. */
export async function connectAccount(
  fake: FakeTikTok,
  workspaceId: string,
  options: { openId?: string; scopes?: string[]; grantScopes?: string[]; deny?: boolean; headers?: Record<string, string> } = {},
): Promise<{ response: InvokeResult; callbackQuery: string; openId: string | undefined }> {
  const link = await installLinkRequest(workspaceId, options.scopes ? { scopes: options.scopes } : undefined);
  if (link.status !== 201) throw new Error(`install-link answered ${link.status}: ${link.text}`);
  const install = await installRequest(new URL(link.json.url).search.slice(1));
  if (install.status !== 302) throw new Error(`install answered ${install.status}: ${install.text}`);
  fake.nextAuthorization({ ...(options.openId ? { openId: options.openId } : {}), ...(options.grantScopes ? { grantScopes: options.grantScopes } : {}), ...(options.deny ? { deny: true } : {}) });
  const callbackQuery = await authorizeAtTikTok(String(install.headers.location));
  const response = await callbackRequest(callbackQuery, options.headers ?? { accept: 'application/json' });
  return { response, callbackQuery, openId: response.json?.open_id };
}

/** An account connected without going through OAuth: tokens issued by the fake, stored where the callback stores them. */
export async function seedConnectedAccount(
  fake: FakeTikTok,
  openId: string,
  workspaceId: string,
  options: { scopes?: string[]; expiresInS?: number } = {},
): Promise<{ secretName: string }> {
  const scopes = options.scopes ?? ALL_SCOPES;
  const issued = fake.issueTokens(openId, scopes, options.expiresInS ? { expiresInS: options.expiresInS } : {});
  const secretName = tiktokTokenSecretName(secretRoot(), workspaceId, openId);
  const now = Date.now();
  await tiktokTokenStore().store(
    secretName,
    { access_token: issued.access_token, scope: issued.scope, obtained_at: now, expires_at: now + issued.expires_in * 1000, refresh_token: issued.refresh_token, refresh_token_expires_at: now + issued.refresh_expires_in * 1000 },
    { open_id: openId, workspace_id: workspaceId },
  );
  await connectionRegistry().connect('tiktok', openId, workspaceId, { access_token_secret_ref: secretName, scopes });
  return { secretName };
}

const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', pattern: string, params: Record<string, string>) => {
  let rawPath = pattern;
  for (const [k, v] of Object.entries(params)) rawPath = rawPath.replace(`{${k}}`, encodeURIComponent(v));
  return { method, rawPath, routeKey: `${method} ${pattern}`, pathParameters: params };
};

export const listAccounts = (workspaceId: string) =>
  invokeHttp(asHandler(accountsListHandler), { ...route('GET', '/v1/tiktok/workspaces/{workspace_id}/accounts', { workspace_id: workspaceId }), headers: json });

export const disconnectAccount = (workspaceId: string, openId: string) =>
  invokeHttp(asHandler(disconnectHandler), { ...route('DELETE', '/v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}', { workspace_id: workspaceId, open_id: openId }), headers: json }, 29);

export const userInfo = (workspaceId: string, openId: string) =>
  invokeHttp(asHandler(userInfoHandler), { ...route('GET', '/v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}/user-info', { workspace_id: workspaceId, open_id: openId }), headers: json }, 29);

export const listVideos = (workspaceId: string, openId: string, query = '') =>
  invokeHttp(asHandler(videosListHandler), { ...route('GET', '/v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}/videos', { workspace_id: workspaceId, open_id: openId }), rawQueryString: query, headers: json }, 29);

export const queryVideos = (workspaceId: string, openId: string, body: unknown) =>
  invokeHttp(
    asHandler(videosQueryHandler),
    { ...route('POST', '/v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}/videos/query', { workspace_id: workspaceId, open_id: openId }), headers: json, body: JSON.stringify(body) },
    29,
  );

export const researchVideos = (workspaceId: string, body: unknown, timeoutS = 29) =>
  invokeHttp(asHandler(researchVideosHandler), { ...route('POST', '/v1/tiktok/workspaces/{workspace_id}/research/videos', { workspace_id: workspaceId }), headers: json, body: JSON.stringify(body) }, timeoutS);

export const researchHashtags = (workspaceId: string, body: unknown, timeoutS = 29) =>
  invokeHttp(asHandler(researchHashtagsHandler), { ...route('POST', '/v1/tiktok/workspaces/{workspace_id}/research/hashtags', { workspace_id: workspaceId }), headers: json, body: JSON.stringify(body) }, timeoutS);

/** The events on a topic, once the outbox is drained (the TikTok API functions publish through it). */
export async function eventsOf(topic: string) {
  await drainOutbox();
  return (await eventBus().readAll(topic)).map((r) => ({ ...r, event: JSON.parse(r.value) }));
}

/** A TikTok webhook body (`content` serialized JSON, as TikTok sends it). */
export function tiktokWebhookBody(event: string, openId: string, content: unknown, createTime = Math.floor(Date.now() / 1000)): string {
  return JSON.stringify({ client_key: CLIENT_KEY, event, create_time: createTime, user_openid: openId, content: typeof content === 'string' ? content : JSON.stringify(content) });
}

/** POST /webhooks/tiktok, signed with the app's client secret at `timestamp` (unix s) unless headers say otherwise. */
export function sendTikTokWebhook(body: string, options: { secret?: string; timestamp?: number; headers?: Record<string, string> } = {}): Promise<InvokeResult> {
  return invokeHttp(asHandler(tiktokWebhookHandler), {
    method: 'POST',
    rawPath: '/webhooks/tiktok',
    routeKey: 'POST /webhooks/tiktok',
    headers: { ...signedTikTokHeaders(body, options.secret ?? TIKTOK_SECRET, options.timestamp), ...options.headers },
    body,
  });
}

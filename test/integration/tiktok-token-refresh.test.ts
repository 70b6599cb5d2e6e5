/**
 * TikTok's rotating refresh tokens on the OAuth core, against the fake TikTok (a spent refresh token is
 * dead at once), with the real DynamoDB lock (moto), Secrets Manager (moto) and Kafka: 20 concurrent calls
 * spread over several token managers — separate Lambda instances — across an expiry make one refresh; so
 * do 20 concurrent calls answered 401 `access_token_invalid`, each retried once with the new token;
 * `invalid_grant` revokes the connection and publishes tiktok.connection.revoked; a failing token endpoint
 * cools down instead of revoking.
 */
import { readUserInfo } from '../../shared/tiktok/user-info';
import { TikTokAccounts } from '../../shared/tiktok/accounts';
import { TikTokClient } from '../../shared/tiktok/client';
import { MinuteWindowPacer } from '../../shared/tiktok/rate-limits';
import { TikTokTokenEndpoint } from '../../shared/tiktok/token-endpoint';
import { createTikTokTokenManager } from '../../shared/tiktok/tokens';
import { TokenLocks } from '../../shared/oauth/token-locks';
import { connectionRegistry } from '../../shared/runtime/connections';
import { eventPublisher } from '../../shared/runtime/events';
import { tiktokApp, tiktokTokenStore } from '../../shared/runtime/tiktok';
import { table } from '../../shared/runtime/storage';
import { topics } from '../../shared/events/topics';
import { newWorkspaceId } from '../support/environment';
import type { FakeTikTok } from '../fakes/tiktok/fake-tiktok';
import { eventsOf, newOpenId, seedConnectedAccount, startTikTokEnvironment, stopTikTokEnvironment, userInfo } from '../fakes/tiktok/harness';

let fake: FakeTikTok;

beforeAll(async () => {
  fake = await startTikTokEnvironment({ tokenEndpointDelayMs: 150 });
});
afterAll(() => stopTikTokEnvironment(fake));

/** One Lambda execution environment: its own token cache, client and accounts, sharing DynamoDB and Secrets Manager. */
function lambdaInstance() {
  const tokens = createTikTokTokenManager({
    tokens: tiktokTokenStore(),
    endpoint: new TikTokTokenEndpoint({ fetch }),
    locks: new TokenLocks(table('tiktok-token-locks')),
    app: tiktokApp,
    connections: connectionRegistry(),
    publisher: eventPublisher(),
    waitStepMs: 25,
  });
  const accounts = new TikTokAccounts({ connections: connectionRegistry(), tokens });
  const client = new TikTokClient({ app: tiktokApp, fetch, pacer: new MinuteWindowPacer() });
  return { tokens, profile: async (ws: string, openId: string) => readUserInfo(client, await accounts.forWorkspace(ws, openId), Date.now() + 20_000) };
}

async function connected(expiresInS: number): Promise<{ ws: string; openId: string; secretName: string }> {
  const ws = newWorkspaceId('ttref');
  const openId = newOpenId('ref');
  const { secretName } = await seedConnectedAccount(fake, openId, ws, { expiresInS });
  return { ws, openId, secretName };
}

const refreshes = (openId: string) => fake.count('token', (r) => r.grant === 'refresh_token' && r.openId === openId);
const statusOf = async (openId: string) => (await connectionRegistry().get('tiktok', openId))!.status;

describe('TikTok token refresh (fake TikTok + moto + Kafka)', () => {
  it('20 concurrent calls from 5 Lambda instances across an expiry: one refresh, the newest refresh token kept', async () => {
    const { ws, openId, secretName } = await connected(600); // inside the 15-minute refresh margin
    const before = (await tiktokTokenStore().read(secretName))!;
    const instances = Array.from({ length: 5 }, () => lambdaInstance());
    const profiles = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 5]!.profile(ws, openId)));
    expect(profiles.every((p) => p.open_id === openId)).toBe(true);
    expect(refreshes(openId)).toBe(1);
    const after = (await tiktokTokenStore().read(secretName))!;
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.expires_at! - Date.now()).toBeGreaterThan(86_000_000); // the lifetime read from the refresh response
    // Every call used the one new token.
    expect(new Set(fake.requests.filter((r) => r.kind === 'user_info' && r.openId === openId && r.status === 200).map((r) => r.token))).toEqual(new Set([after.access_token]));
    // The spent refresh token is dead at TikTok: only the stored successor can refresh again.
    const spent = await new TikTokTokenEndpoint({ fetch }).refresh(await tiktokApp(), openId, before.refresh_token!).catch((e: unknown) => e);
    expect(spent).toMatchObject({ oauthError: 'invalid_grant', isGrantDead: true });
    expect(await statusOf(openId)).toBe('active');
  });

  it('20 concurrent calls through the route across an expiry: one refresh', async () => {
    const { ws, openId } = await connected(600);
    const responses = await Promise.all(Array.from({ length: 20 }, () => userInfo(ws, openId)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(refreshes(openId)).toBe(1);
  });

  it('20 concurrent calls answered 401 access_token_invalid: one refresh, each call retried once with the new token', async () => {
    const { ws, openId, secretName } = await connected(86_400);
    fake.expireAccessTokens(openId); // TikTok no longer takes the token, though we think it valid for a day
    const instances = Array.from({ length: 4 }, () => lambdaInstance());
    const profiles = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 4]!.profile(ws, openId)));
    expect(profiles).toHaveLength(20);
    expect(refreshes(openId)).toBe(1);
    const fresh = (await tiktokTokenStore().read(secretName))!.access_token;
    // Each call: one 401 with the old token, one retry with the new one.
    expect(fake.count('user_info', (r) => r.openId === openId && r.status === 401 && r.token !== fresh)).toBe(20);
    expect(fake.count('user_info', (r) => r.openId === openId && r.status === 200 && r.token === fresh)).toBe(20);
  });

  it('invalid_grant marks the connection revoked and publishes tiktok.connection.revoked; later calls are refused up front', async () => {
    const { ws, openId } = await connected(600);
    fake.revokeUser(openId);
    const refused = await userInfo(ws, openId);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'account_revoked', details: { open_id: openId, status: 'revoked' } });
    expect(await connectionRegistry().get('tiktok', openId)).toMatchObject({ status: 'revoked', status_reason: expect.stringContaining('invalid_grant') });
    const [event] = await eventsOf(topics.tiktok(ws, 'connection_revoked'));
    expect(event!.event).toMatchObject({ event_type: 'tiktok.connection.revoked', workspace_id: ws, payload_json: { open_id: openId, action_required: 'reconnect' } });
    const again = await userInfo(ws, openId);
    expect(again.status).toBe(409);
    expect(refreshes(openId)).toBe(1);
  });

  it('a failing token endpoint cools down: a still-valid token is used, an expired one gets 503; the connection stays', async () => {
    const { ws, openId, secretName } = await connected(600);
    fake.failNext('token', 503);
    const stillValid = await lambdaInstance().profile(ws, openId);
    expect(stillValid.open_id).toBe(openId);
    expect(refreshes(openId)).toBe(1);
    const stored = (await tiktokTokenStore().read(secretName))!;
    await tiktokTokenStore().store(secretName, { ...stored, expires_at: Date.now() + 2_000 }, { open_id: openId, workspace_id: ws });
    const cooling = await lambdaInstance()
      .profile(ws, openId)
      .catch((e: unknown) => e);
    expect(cooling).toMatchObject({ code: 'tiktok_token_unavailable', status: 503, headers: { 'retry-after': expect.stringMatching(/^\d+$/) } });
    expect(refreshes(openId)).toBe(1);
    expect(await statusOf(openId)).toBe('active');
  });
});

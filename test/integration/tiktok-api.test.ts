/**
 * The agent routes for a connected TikTok account against the fake TikTok (real handlers, moto, Kafka):
 * profile with the counts its scopes allow, videos with TikTok's cursor passed through, videos by id in
 * batches of 20; scopes checked before calling TikTok (403 missing_scope naming it); accounts of other
 * workspaces answered 404; TikTok's error codes mapped, never passed on raw; 5xx and 429 retried within the
 * deadline, then surfaced with Retry-After; per-endpoint limits paced before TikTok has to refuse.
 */
import { connectionRegistry } from '../../shared/runtime/connections';
import { tiktokAccounts, tiktokApp } from '../../shared/runtime/tiktok';
import { endpoints } from '../../shared/tiktok/api';
import { TikTokClient } from '../../shared/tiktok/client';
import { TikTokRateLimitedError } from '../../shared/tiktok/errors';
import { MinuteWindowPacer } from '../../shared/tiktok/rate-limits';
import { newWorkspaceId } from '../support/environment';
import type { FakeTikTok } from '../fakes/tiktok/fake-tiktok';
import { listVideos, newOpenId, queryVideos, seedConnectedAccount, startTikTokEnvironment, stopTikTokEnvironment, userInfo } from '../fakes/tiktok/harness';

let fake: FakeTikTok;

beforeAll(async () => {
  fake = await startTikTokEnvironment();
});
afterAll(() => stopTikTokEnvironment(fake));

async function connected(options: { scopes?: string[]; videos?: number } = {}): Promise<{ ws: string; openId: string }> {
  const ws = newWorkspaceId('ttapi');
  const openId = newOpenId();
  fake.addUser(openId, { display_name: 'Bea Looks', follower_count: 5400, following_count: 12, likes_count: 98_000, bio_description: 'linen & light' });
  if (options.videos) fake.addVideos(openId, options.videos);
  await seedConnectedAccount(fake, openId, ws, options.scopes ? { scopes: options.scopes } : {});
  return { ws, openId };
}

const calls = (kind: Parameters<FakeTikTok['count']>[0], openId: string) => fake.count(kind, (r) => r.openId === openId);

describe('TikTok agent routes (fake TikTok + moto)', () => {
  it('user-info: display name, avatar and counts; fields of scopes not granted are null and named', async () => {
    const { ws, openId } = await connected({ videos: 3 });
    const full = await userInfo(ws, openId);
    expect(full.status).toBe(200);
    expect(full.json.user).toMatchObject({
      open_id: openId,
      display_name: 'Bea Looks',
      avatar_url: expect.stringMatching(/^https:/),
      bio_description: 'linen & light',
      follower_count: 5400,
      following_count: 12,
      likes_count: 98_000,
      video_count: 3,
      missing_scopes: [],
    });

    const partial = await connected({ scopes: ['user.info.basic', 'video.list'] });
    const response = await userInfo(partial.ws, partial.openId);
    expect(response.status).toBe(200);
    expect(response.json.user).toMatchObject({ display_name: 'Bea Looks', follower_count: null, bio_description: null, missing_scopes: ['user.info.profile', 'user.info.stats'] });
    // Only fields the account allows were asked for (TikTok would refuse the call otherwise).
    expect(fake.requests.filter((r) => r.kind === 'user_info' && r.openId === partial.openId).every((r) => r.status === 200)).toBe(true);
  });

  it('a scope the account did not grant is 403 missing_scope naming it, before any call to TikTok', async () => {
    const { ws, openId } = await connected({ scopes: ['user.info.profile'], videos: 2 });
    const profile = await userInfo(ws, openId);
    expect(profile.status).toBe(403);
    expect(profile.json.error).toMatchObject({ code: 'missing_scope', details: { scope: 'user.info.basic', granted_scopes: ['user.info.profile'] } });
    const videos = await listVideos(ws, openId);
    expect(videos.status).toBe(403);
    expect(videos.json.error).toMatchObject({ code: 'missing_scope', details: { scope: 'video.list' } });
    expect(videos.json.error.message).toContain('video.list');
    expect(calls('user_info', openId) + calls('video_list', openId)).toBe(0);
    // TikTok saying so itself (the user withdrew a scope since): the same answer, TikTok's code in details.
    const other = await connected();
    fake.failNext('user_info', 401, { code: 'scope_not_authorized' });
    const withdrawn = await userInfo(other.ws, other.openId);
    expect(withdrawn.status).toBe(403);
    expect(withdrawn.json.error).toMatchObject({ code: 'missing_scope', details: { scope: 'user.info.basic', tiktok_code: 'scope_not_authorized' } });
  });

  it('videos: newest first, TikTok’s cursor passed through both ways', async () => {
    const { ws, openId } = await connected({ videos: 25 });
    const first = await listVideos(ws, openId, 'max_count=10');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ open_id: openId, has_more: true, cursor: expect.any(Number) });
    expect(first.json.videos).toHaveLength(10);
    expect(first.json.videos[0]).toMatchObject({ id: expect.any(String), title: 'Look 1', view_count: 1000, share_url: expect.stringContaining(first.json.videos[0].id) });
    const second = await listVideos(ws, openId, `max_count=10&cursor=${first.json.cursor}`);
    expect(fake.requests.filter((r) => r.kind === 'video_list' && r.openId === openId).at(-1)!.body).toEqual({ cursor: first.json.cursor, max_count: 10 });
    expect(second.json.videos.map((v: { title: string }) => v.title)).toEqual(Array.from({ length: 10 }, (_, i) => `Look ${i + 11}`));
    const last = await listVideos(ws, openId, `cursor=${second.json.cursor}&fields=id,view_count`);
    expect(last.json).toMatchObject({ has_more: false });
    expect(last.json.videos).toHaveLength(5);
    expect(Object.keys(last.json.videos[0]).sort()).toEqual(['id', 'view_count']);

    for (const query of ['max_count=21', 'max_count=0', 'cursor=abc', 'fields=id,secret_field']) {
      const bad = await listVideos(ws, openId, query);
      expect(bad.status).toBe(400);
      expect(bad.json.error.message).toMatch(/max_count|cursor|fields/);
    }
  });

  it('videos/query: ids in batches of 20, in the order asked; ids that are not the account’s are named', async () => {
    const { ws, openId } = await connected({ videos: 25 });
    const mine = fake.users.get(openId)!.videos.map((v) => v.id);
    const other = await connected({ videos: 1 });
    const foreign = fake.users.get(other.openId)!.videos[0]!.id;
    const asked = [...mine.slice(0, 22).reverse(), foreign];
    const before = calls('video_query', openId);
    const response = await queryVideos(ws, openId, { video_ids: asked });
    expect(response.status).toBe(200);
    expect(response.json.videos.map((v: { id: string }) => v.id)).toEqual(mine.slice(0, 22).reverse());
    expect(response.json.not_found).toEqual([foreign]);
    expect(calls('video_query', openId) - before).toBe(2);
    expect((await queryVideos(ws, openId, { video_ids: [] })).status).toBe(400);
    expect((await queryVideos(ws, openId, { video_ids: ['12a'] })).json.error.message).toContain('not a TikTok video id');
  });

  it('an account not connected to this workspace is 404, whoever owns it; a revoked one 409; a malformed id 400', async () => {
    const { ws, openId } = await connected();
    const stranger = await userInfo(ws, newOpenId('stranger'));
    expect(stranger.status).toBe(404);
    expect(stranger.json.error.code).toBe('account_not_connected');
    const elsewhere = await userInfo(newWorkspaceId('ttother'), openId);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.json.error.code).toBe('account_not_connected');
    expect(elsewhere.text).not.toContain(ws);
    const connection = (await connectionRegistry().get('tiktok', openId))!;
    await connectionRegistry().setStatusIf('tiktok', openId, 'revoked', 'test', { workspaceId: ws, connectId: connection.connect_id ?? null });
    const revoked = await userInfo(ws, openId);
    expect(revoked.status).toBe(409);
    expect(revoked.json.error).toMatchObject({ code: 'account_revoked', details: { status: 'revoked' } });
    expect((await userInfo(ws, 'not an id!')).status).toBe(400);
  });

  it('maps TikTok’s error codes to ours, keeping TikTok’s code and log id in details', async () => {
    const { ws, openId } = await connected({ videos: 1 });
    fake.failNext('user_info', 400, { code: 'invalid_params' });
    const invalid = await userInfo(ws, openId);
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toMatchObject({ code: 'tiktok_invalid_params', details: { tiktok_code: 'invalid_params', log_id: expect.any(String) } });
    fake.failNext('video_list', 403, { code: 'spam_risk_too_many_posts' });
    const odd = await listVideos(ws, openId);
    expect(odd.status).toBe(502);
    expect(odd.json.error).toMatchObject({ code: 'tiktok_api_error', details: { tiktok_code: 'spam_risk_too_many_posts', http_status: 403 } });
  });

  it('retries 5xx within the deadline, then answers 503 with Retry-After', async () => {
    const { ws, openId } = await connected({ videos: 2 });
    fake.failNext('video_list', 500, { count: 2 });
    const before = fake.count('video_list');
    const recovered = await listVideos(ws, openId);
    expect(recovered.status).toBe(200);
    expect(fake.count('video_list') - before).toBe(3);
    fake.failNext('user_info', 503, { count: 10 });
    const down = await userInfo(ws, openId);
    expect(down.status).toBe(503);
    expect(down.json.error.code).toBe('tiktok_unavailable');
    expect(down.headers['retry-after']).toMatch(/^\d+$/);
    fake.clearFaults();
  });

  it('waits out a short 429 (Retry-After) and surfaces a long one as 429 with Retry-After', async () => {
    const { ws, openId } = await connected();
    fake.failNext('user_info', 429, { retryAfter: '1' });
    const waited = await userInfo(ws, openId);
    expect(waited.status).toBe(200);
    fake.failNext('user_info', 429, { retryAfter: '120' });
    const limited = await userInfo(ws, openId);
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('tiktok_rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(100);
  });

  it('paces an endpoint’s per-minute limit: a call waits for its slot within the deadline, else 429 with Retry-After without reaching TikTok', async () => {
    const { ws, openId } = await connected();
    const account = await tiktokAccounts().forWorkspace(ws, openId);
    let now = Date.now();
    const slept: number[] = [];
    const client = new TikTokClient({
      app: tiktokApp,
      fetch,
      pacer: new MinuteWindowPacer(() => now),
      clock: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    const twoAMinute = { ...endpoints.userInfo, limit: { perMinute: 2 } };
    const call = (deadlineInMs: number) => client.call(twoAMinute, { tokens: account.tokens, query: { fields: 'open_id,display_name' }, deadline: now + deadlineInMs, openId });
    const before = calls('user_info', openId);
    await call(20_000);
    await call(20_000);
    expect(slept).toEqual([]);
    // The third waits for the first to leave the window (the clock is the test's: no real wait).
    await call(120_000);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(59_000);
    await call(20_000); // the window now holds the third and this one
    expect(slept).toHaveLength(1);
    expect(calls('user_info', openId) - before).toBe(4);
    // With less time left than the wait, the caller hears 429 and when to come back; TikTok is not called.
    const refused = await call(5_000).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TikTokRateLimitedError);
    expect(refused).toMatchObject({ code: 'tiktok_rate_limited', status: 429 });
    expect((refused as TikTokRateLimitedError).retryAfterS).toBeGreaterThan(5);
    expect(calls('user_info', openId) - before).toBe(4);
  });
});

/**
 * The Research API routes against the fake TikTok (real handlers, moto, Kafka): the client token
 * (client_credentials) cached until expiry and renewed on 401; checked queries in TikTok's form; cursor and
 * search_id passed through; windows over 30 days split and merged; per-hashtag statistics aggregated from
 * video queries; the daily quota surfaced as 429 with Retry-After; tracked hashtags and the daily trend
 * snapshot published as tiktok.trend_snapshot.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as trackedGet } from '../../functions/tiktok/tracked-hashtags-get';
import { handler as trackedPut } from '../../functions/tiktok/tracked-hashtags-put';
import { handler as trendSnapshot } from '../../functions/tiktok/trend-snapshot';
import { lambdaContext } from '../../local/lambda-context';
import { topics } from '../../shared/events/topics';
import { table } from '../../shared/runtime/storage';
import { ResearchQuota, utcDay } from '../../shared/tiktok/rate-limits';
import { formatDay } from '../../shared/tiktok/research-windows';
import { newWorkspaceId } from '../support/environment';
import { invokeHttp } from '../support/http';
import type { FakeTikTok } from '../fakes/tiktok/fake-tiktok';
import { eventsOf, researchHashtags, researchVideos, startTikTokEnvironment, stopTikTokEnvironment } from '../fakes/tiktok/harness';

let fake: FakeTikTok;
const DAY = 86_400;
const nowS = () => Math.floor(Date.now() / 1000);
const daysAgo = (n: number) => formatDay(Date.now() - n * DAY * 1000);
const researchBodies = () => fake.requests.filter((r) => r.kind === 'research').map((r) => r.body as Record<string, unknown>);

beforeAll(async () => {
  fake = await startTikTokEnvironment();
  // Linen: 30 videos over the last 10 days; a slow trend over 70 days; OOTD yesterday.
  fake.addResearchVideos(Array.from({ length: 30 }, (_, i) => ({ create_time: nowS() - 3600 - i * 7 * 3600, hashtag_names: ['linen', 'summer'], region_code: i % 2 ? 'US' : 'BR', username: `creator_${i % 3}`, view_count: 100 * (i + 1), like_count: 10 * (i + 1), share_count: i, comment_count: 2 })));
  fake.addResearchVideos(Array.from({ length: 7 }, (_, i) => ({ create_time: nowS() - (5 + i * 10) * DAY, hashtag_names: ['slowtrend'], username: `slow_${i}`, view_count: 1000 })));
  const yesterdayNoon = Math.floor(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) / 1000) - DAY / 2;
  fake.addResearchVideos([
    { create_time: yesterdayNoon, hashtag_names: ['ootd'], username: 'ana', view_count: 5000, like_count: 400, share_count: 30, comment_count: 12 },
    { create_time: yesterdayNoon + 60, hashtag_names: ['ootd', 'linen'], username: 'ana', view_count: 3000, like_count: 100, share_count: 10, comment_count: 3 },
    { create_time: yesterdayNoon + 120, hashtag_names: ['OOTD'], username: 'bo', view_count: 7000, like_count: 700, share_count: 70, comment_count: 7 },
    { create_time: yesterdayNoon - 3 * DAY, hashtag_names: ['ootd'], username: 'old', view_count: 99_999 },
  ]);
});
afterAll(() => stopTikTokEnvironment(fake));

describe('TikTok Research API (fake TikTok + moto + Kafka)', () => {
  it('passes cursor and search_id through for a window of 30 days or less, with one client token', async () => {
    const ws = newWorkspaceId('ttres');
    const query = { and: [{ hashtag_name: '#Linen' }] };
    const first = await researchVideos(ws, { query, start_date: daysAgo(12), end_date: daysAgo(0), max_count: 10 });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ has_more: true, cursor: 10, search_id: expect.any(String), windows: [{ start_date: daysAgo(12), end_date: daysAgo(0) }], requests: 1 });
    expect(first.json.videos).toHaveLength(10);
    expect(first.json.videos[0]).toMatchObject({ id: expect.any(String), hashtag_names: ['linen', 'summer'], view_count: expect.any(Number), username: expect.any(String) });
    // TikTok got the condition in its own form, normalised.
    expect(researchBodies().at(-1)).toMatchObject({ query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['linen'] }] }, max_count: 10 });
    const second = await researchVideos(ws, { query, start_date: daysAgo(12), end_date: daysAgo(0), max_count: 10, cursor: first.json.cursor, search_id: first.json.search_id });
    expect(researchBodies().at(-1)).toMatchObject({ cursor: 10, search_id: first.json.search_id });
    expect(second.json.cursor).toBe(20);
    const ids = new Set([...first.json.videos, ...second.json.videos].map((v: { id: string }) => v.id));
    expect(ids.size).toBe(20);
    const third = await researchVideos(ws, { query, start_date: daysAgo(12), end_date: daysAgo(0), max_count: 100, cursor: second.json.cursor, search_id: second.json.search_id });
    expect(third.json).toMatchObject({ has_more: false, cursor: null });
    expect(third.json.videos).toHaveLength(11); // the 30 linen videos and yesterday's #ootd #linen one
    // One client token for all of it (cached until it expires).
    expect(fake.count('token', (r) => r.grant === 'client_credentials')).toBe(1);
  });

  it('splits a window longer than 30 days into windows of 30, merged into one page or paged with "<window>:<cursor>"', async () => {
    const ws = newWorkspaceId('ttsplit');
    const body = { query: { or: [{ hashtag_name: 'slowtrend' }] }, start_date: daysAgo(75), end_date: daysAgo(0) };
    const before = researchBodies().length;
    const all = await researchVideos(ws, { ...body, max_count: 100 });
    expect(all.status).toBe(200);
    expect(all.json.windows).toHaveLength(3);
    expect(all.json).toMatchObject({ has_more: false, cursor: null, requests: 3 });
    expect(all.json.videos).toHaveLength(7);
    // TikTok never saw a window over 30 days.
    for (const sent of researchBodies().slice(before)) {
      expect((Date.parse(`${String(sent.end_date).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3')}`) - Date.parse(String(sent.start_date).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3'))) / 86_400_000).toBeLessThanOrEqual(30);
    }
    // Two at a time: the cursor says which window it is in.
    const seen: string[] = [];
    let page = await researchVideos(ws, { ...body, max_count: 2 });
    for (let i = 0; i < 10 && page.json.has_more; i++) {
      seen.push(...page.json.videos.map((v: { id: string }) => v.id));
      expect(page.json.cursor).toMatch(/^\d+:\d+$/);
      page = await researchVideos(ws, { ...body, max_count: 2, cursor: page.json.cursor, ...(page.json.search_id ? { search_id: page.json.search_id } : {}) });
    }
    seen.push(...page.json.videos.map((v: { id: string }) => v.id));
    expect(new Set(seen)).toEqual(new Set(all.json.videos.map((v: { id: string }) => v.id)));
  });

  it('refuses what cannot be sent with 400 naming the field, without calling TikTok', async () => {
    const ws = newWorkspaceId('ttbad');
    const before = fake.count('research');
    for (const [body, field] of [
      [{ query: { and: [{ follower_count: 3 }] }, start_date: daysAgo(3), end_date: daysAgo(0) }, 'query.and[0]'],
      [{ query: {}, start_date: daysAgo(3), end_date: daysAgo(0) }, 'query'],
      [{ query: { and: [{ hashtag_name: 'x' }] }, start_date: daysAgo(1), end_date: daysAgo(3) }, 'end_date'],
      [{ query: { and: [{ hashtag_name: 'x' }] }, start_date: daysAgo(40), end_date: daysAgo(0), cursor: 20 }, 'cursor'],
      [{ query: { and: [{ hashtag_name: 'x' }] }, start_date: daysAgo(3), end_date: daysAgo(0), fields: ['id', 'secret'] }, 'fields'],
    ] as const) {
      const response = await researchVideos(ws, body);
      expect(response.status).toBe(400);
      expect(response.json.error.details).toMatchObject({ field });
    }
    expect((await researchVideos(ws, { query: { and: [{ hashtag_name: 'x' }] }, start_date: daysAgo(3), end_date: daysAgo(0), max_count: 101 })).status).toBe(400);
    expect(fake.count('research')).toBe(before);
  });

  it('renews the client token when TikTok answers 401, and retries', async () => {
    const ws = newWorkspaceId('ttclt');
    const tokens = fake.count('token', (r) => r.grant === 'client_credentials');
    fake.expireClientTokens();
    const response = await researchVideos(ws, { query: { and: [{ hashtag_name: 'linen' }] }, start_date: daysAgo(2), end_date: daysAgo(0), max_count: 1 });
    expect(response.status).toBe(200);
    expect(fake.count('token', (r) => r.grant === 'client_credentials')).toBe(tokens + 1);
  });

  it('hashtags: videos, views, likes, shares, comments and top creators per hashtag, aggregated from video queries', async () => {
    const ws = newWorkspaceId('tthash');
    const response = await researchHashtags(ws, { hashtags: ['#OOTD', 'linen', 'nobodyuses'], start_date: daysAgo(1), end_date: daysAgo(1) });
    expect(response.status).toBe(200);
    expect(response.json.complete).toBe(true);
    const [ootd, linen, none] = response.json.hashtags;
    expect(ootd).toMatchObject({ hashtag: 'ootd', videos: 3, views: 15_000, likes: 1200, shares: 110, comments: 22, sampled: false, complete: true });
    expect(ootd.top_creators).toEqual([
      { username: 'ana', videos: 2, views: 8000, likes: 500 },
      { username: 'bo', videos: 1, views: 7000, likes: 700 },
    ]);
    expect(linen.videos).toBeGreaterThanOrEqual(1);
    expect(none).toMatchObject({ hashtag: 'nobodyuses', videos: 0, views: 0, top_creators: [] });

    const sampled = await researchHashtags(ws, { hashtags: ['linen'], start_date: daysAgo(12), end_date: daysAgo(0), max_videos_per_hashtag: 12 });
    expect(sampled.json.hashtags[0]).toMatchObject({ videos: 12, sampled: true });
    const wide = await researchHashtags(ws, { hashtags: ['slowtrend'], start_date: daysAgo(75), end_date: daysAgo(0), region_codes: ['us'] });
    expect(wide.json.hashtags[0]).toMatchObject({ videos: 7, requests: 3 });
    expect((await researchHashtags(ws, { hashtags: ['two words'], start_date: daysAgo(1), end_date: daysAgo(0) })).status).toBe(400);
  });

  it('counts the daily quota in DynamoDB: once spent, 429 with Retry-After until the next UTC day', async () => {
    const day = Date.UTC(2030, 0, 1, 18);
    const quota = new ResearchQuota(table('tiktok-state'), 3, () => day);
    for (let i = 0; i < 3; i++) await quota.take();
    const refused = await quota.take().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'research_quota_exhausted', status: 429, headers: { 'retry-after': String(6 * 3600) } });
    expect(await quota.usage()).toEqual({ day: '20300101', requests: 3, limit: 3, spent: false });
    // The next day starts afresh.
    await new ResearchQuota(table('tiktok-state'), 3, () => day + 86_400_000).take();
  });

  it('TikTok saying the quota is spent: 429 with Retry-After to the caller, and no more calls today', async () => {
    const ws = newWorkspaceId('ttquota');
    fake.failNext('research', 429);
    const body = { query: { and: [{ hashtag_name: 'linen' }] }, start_date: daysAgo(2), end_date: daysAgo(0) };
    const limited = await researchVideos(ws, body);
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('research_quota_exhausted');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    const calls = fake.count('research');
    const again = await researchVideos(ws, body);
    expect(again.status).toBe(429);
    const hashtags = await researchHashtags(ws, { hashtags: ['linen'], start_date: daysAgo(2), end_date: daysAgo(0) });
    expect(hashtags.status).toBe(429);
    expect(fake.count('research')).toBe(calls);
    await table('tiktok-state').delete({ pk: 'research-quota', sk: utcDay(Date.now()) });
  });

  it('tracked hashtags and the daily trend snapshot: yesterday’s statistics published as tiktok.trend_snapshot', async () => {
    const ws = newWorkspaceId('tttrend');
    const put = (hashtags: string[]) =>
      invokeHttp(trackedPut as unknown as (e: APIGatewayProxyEventV2, c: unknown) => Promise<unknown>, {
        method: 'PUT',
        rawPath: `/v1/tiktok/workspaces/${ws}/tracked-hashtags`,
        routeKey: 'PUT /v1/tiktok/workspaces/{workspace_id}/tracked-hashtags',
        pathParameters: { workspace_id: ws },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hashtags }),
      });
    const saved = await put(['#OOTD', 'ootd', 'Linen']);
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ workspace_id: ws, hashtags: ['ootd', 'linen'] });
    const got = await invokeHttp(trackedGet as unknown as (e: APIGatewayProxyEventV2, c: unknown) => Promise<unknown>, {
      method: 'GET',
      rawPath: `/v1/tiktok/workspaces/${ws}/tracked-hashtags`,
      routeKey: 'GET /v1/tiktok/workspaces/{workspace_id}/tracked-hashtags',
      pathParameters: { workspace_id: ws },
    });
    expect(got.json.hashtags).toEqual(['ootd', 'linen']);
    expect((await put(['no spaces allowed'])).status).toBe(400);
    const other = newWorkspaceId('ttquiet');
    await table('tiktok-state').put({ pk: 'tracked-hashtags', sk: other, hashtags: [], updated_at: new Date().toISOString() });

    const outcome = (await trendSnapshot({}, lambdaContext('tiktok-trend-snapshot', 120))) as { day: string; workspaces: Array<{ workspace_id: string; event_id: string | null }> };
    expect(outcome.day).toBe(daysAgo(1));
    const mine = outcome.workspaces.find((w) => w.workspace_id === ws)!;
    expect(mine.event_id).toEqual(expect.any(String));
    const [snapshot] = await eventsOf(topics.tiktok(ws, 'trend_snapshot'));
    expect(snapshot!.key).toBe(ws);
    expect(snapshot!.event).toMatchObject({
      event_id: mine.event_id,
      event_type: 'tiktok.trend_snapshot',
      workspace_id: ws,
      payload_json: { day: daysAgo(1), complete: true, tracked_hashtags: ['ootd', 'linen'], hashtags: [{ hashtag: 'ootd', videos: 3, views: 15_000 }, { hashtag: 'linen' }] },
    });
    // The same day again is the same event (a redelivery for consumers), not a new snapshot.
    const rerun = (await trendSnapshot({}, lambdaContext('tiktok-trend-snapshot', 120))) as typeof outcome;
    expect(rerun.workspaces.find((w) => w.workspace_id === ws)!.event_id).toBe(mine.event_id);
    // An empty list stops tracking.
    expect((await put([])).json.hashtags).toEqual([]);
    const after = (await trendSnapshot({}, lambdaContext('tiktok-trend-snapshot', 120))) as typeof outcome;
    expect(after.workspaces.some((w) => w.workspace_id === ws)).toBe(false);
  });
});

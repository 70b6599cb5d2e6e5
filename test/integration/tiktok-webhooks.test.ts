/**
 * POST /webhooks/tiktok through the shared webhook pipeline (real handler, moto, the real Kafka broker):
 * TikTok-Signature over the raw body with a 5-minute tolerance, dedup on open_id + event + create_time +
 * content hash, events on ionflux.tiktok.ws_<id>.<event> (and the fan-in), authorization.removed marking
 * the connection revoked, unknown accounts parked and replayed once connected.
 */
import { connectionRegistry } from '../../shared/runtime/connections';
import { eventBus } from '../../shared/runtime/events';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { topics } from '../../shared/events/topics';
import { webhookProviders } from '../../shared/webhooks/providers';
import { replayParked } from '../../shared/webhooks/replay';
import { newWorkspaceId } from '../support/environment';
import type { FakeTikTok } from '../fakes/tiktok/fake-tiktok';
import { newOpenId, seedConnectedAccount, sendTikTokWebhook, startTikTokEnvironment, stopTikTokEnvironment, tiktokWebhookBody, userInfo } from '../fakes/tiktok/harness';

let fake: FakeTikTok;

beforeAll(async () => {
  fake = await startTikTokEnvironment();
});
afterAll(() => stopTikTokEnvironment(fake));

const read = async (topic: string) => (await eventBus().readAll(topic)).map((r) => ({ ...r, event: JSON.parse(r.value) }));

async function connected(): Promise<{ ws: string; openId: string }> {
  const ws = newWorkspaceId('tthook');
  const openId = newOpenId('hook');
  await seedConnectedAccount(fake, openId, ws);
  return { ws, openId };
}

describe('TikTok webhooks (moto + Kafka)', () => {
  it('authorization.removed: published as tiktok.authorization.removed, the connection revoked, de-duplicated', async () => {
    const { ws, openId } = await connected();
    const createTime = Math.floor(Date.now() / 1000) + 1;
    const body = tiktokWebhookBody('authorization.removed', openId, { reason: 1 }, createTime);
    const response = await sendTikTokWebhook(body);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'accepted', deliveries: [{ kind: 'authorization.removed', event_ids: [expect.any(String)] }] });

    const [record] = await read(topics.tiktok(ws, 'authorization_removed'));
    expect(record!.key).toBe(openId);
    expect(record!.event).toMatchObject({
      event_type: 'tiktok.authorization.removed',
      workspace_id: ws,
      timestamp: new Date(createTime * 1000).toISOString(),
      source_service_name: 'webhook-tiktok',
      payload_json: { open_id: openId, tiktok_event: 'authorization.removed', content: { reason: 1 } },
    });
    expect((await eventBus().readAll(topics.allWorkspaces('tiktok'), { since: Date.now() - 60_000 })).some((r) => JSON.parse(r.value).event_id === record!.event.event_id)).toBe(true);
    expect(await connectionRegistry().get('tiktok', openId)).toMatchObject({ status: 'revoked', status_reason: 'authorization.removed webhook (reason 1)' });
    expect((await userInfo(ws, openId)).json.error.code).toBe('account_revoked');

    // TikTok delivers it again (signed anew): acknowledged, not published twice.
    const again = await sendTikTokWebhook(body, { timestamp: Math.floor(Date.now() / 1000) + 2 });
    expect(again.json.status).toBe('duplicate');
    expect(await read(topics.tiktok(ws, 'authorization_removed'))).toHaveLength(1);
  });

  it('other events on their own topics; different content is a different event', async () => {
    const { ws, openId } = await connected();
    const at = Math.floor(Date.now() / 1000);
    expect((await sendTikTokWebhook(tiktokWebhookBody('video.publish.completed', openId, { publish_id: 'v_pub_1', post_id: '7300' }, at))).json.status).toBe('accepted');
    expect((await sendTikTokWebhook(tiktokWebhookBody('video.publish.completed', openId, { publish_id: 'v_pub_2', post_id: '7301' }, at))).json.status).toBe('accepted');
    expect((await sendTikTokWebhook(tiktokWebhookBody('video.upload.failed', openId, { publish_id: 'v_pub_3' }, at))).json.status).toBe('accepted');
    const completed = await read(topics.tiktok(ws, 'video_publish_completed'));
    expect(completed.map((r) => r.event.payload_json.content.publish_id).sort()).toEqual(['v_pub_1', 'v_pub_2']);
    expect(completed[0]!.event.event_type).toBe('tiktok.video.publish.completed');
    expect((await read(topics.tiktok(ws, 'video_upload_failed')))[0]!.event.event_type).toBe('tiktok.video.upload.failed');
    expect((await connectionRegistry().get('tiktok', openId))!.status).toBe('active');
  });

  it('refuses a forged, stale or missing signature with 401 and publishes nothing', async () => {
    const { ws, openId } = await connected();
    const body = tiktokWebhookBody('video.upload.failed', openId, { publish_id: 'forged' });
    const forged = await sendTikTokWebhook(body, { secret: 'not-the-secret-at-all' });
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe('invalid_signature');
    const stale = await sendTikTokWebhook(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(stale.json.error.code).toBe('signature_expired');
    const future = await sendTikTokWebhook(body, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(future.json.error.code).toBe('signature_expired');
    const missing = await sendTikTokWebhook(body, { headers: { 'tiktok-signature': '' } });
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe('missing_signature');
    const tampered = await sendTikTokWebhook(body, { headers: { 'tiktok-signature': `t=${Math.floor(Date.now() / 1000)},s=${'0'.repeat(64)}` } });
    expect(tampered.json.error.code).toBe('invalid_signature');
    expect(await read(topics.tiktok(ws, 'video_upload_failed'))).toHaveLength(0);
  });

  it('a signed but malformed delivery is 400 naming the problem', async () => {
    for (const [body, problem] of [
      ['not json', /not valid JSON/],
      [JSON.stringify({ event: 'authorization.removed', create_time: 1, content: '{}' }), /user_openid/],
      [JSON.stringify({ event: 'Bad Event!', create_time: 1, user_openid: 'x', content: '{}' }), /event/],
      [JSON.stringify({ event: 'authorization.removed', create_time: 'yesterday', user_openid: 'x', content: '{}' }), /create_time/],
    ] as const) {
      const response = await sendTikTokWebhook(body);
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('malformed_webhook');
      expect(response.json.error.message).toMatch(problem);
    }
  });

  it('a delivery for an account no workspace has connected is parked, and replayed once it is', async () => {
    const openId = newOpenId('later');
    const body = tiktokWebhookBody('video.publish.completed', openId, { publish_id: 'parked_1' });
    const parked = await sendTikTokWebhook(body);
    expect(parked.status).toBe(200);
    expect(parked.json.status).toBe('parked');
    const ws = newWorkspaceId('ttlater');
    await seedConnectedAccount(fake, openId, ws);
    const report = await replayParked(webhookProviders, webhookDeps(), { deadline: Date.now() + 20_000, provider: 'tiktok', accountId: openId });
    expect(report).toMatchObject({ replayed: 1, failed: 0 });
    const [record] = await read(topics.tiktok(ws, 'video_publish_completed'));
    expect(record!.event.payload_json.content.publish_id).toBe('parked_1');
  });

  it('an authorization.removed older than the current connection does not revoke it', async () => {
    const { ws, openId } = await connected();
    const before = Math.floor(Date.now() / 1000) - 120;
    const response = await sendTikTokWebhook(tiktokWebhookBody('authorization.removed', openId, { reason: 2 }, before));
    expect(response.json.status).toBe('accepted');
    expect(await read(topics.tiktok(ws, 'authorization_removed'))).toHaveLength(1);
    expect((await connectionRegistry().get('tiktok', openId))!.status).toBe('active');
  });
});

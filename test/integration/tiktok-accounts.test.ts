/**
 * A workspace's TikTok accounts (real handlers, the fake TikTok, moto, Kafka through the outbox): the list
 * agents pick an open_id from, and disconnecting one — revoked at TikTok, tokens erased, connection
 * inactive, tiktok.account.disconnected published — which can be repeated and undone by connecting again.
 */
import { connectionRegistry } from '../../shared/runtime/connections';
import { secretStore } from '../../shared/runtime/secrets';
import { topics } from '../../shared/events/topics';
import { newWorkspaceId } from '../support/environment';
import type { FakeTikTok } from '../fakes/tiktok/fake-tiktok';
import {
  connectAccount,
  disconnectAccount,
  eventsOf,
  listAccounts,
  newOpenId,
  seedConnectedAccount,
  sendTikTokWebhook,
  startTikTokEnvironment,
  stopTikTokEnvironment,
  tiktokWebhookBody,
  userInfo,
} from '../fakes/tiktok/harness';

let fake: FakeTikTok;

beforeAll(async () => {
  fake = await startTikTokEnvironment();
});
afterAll(() => stopTikTokEnvironment(fake));

describe('TikTok accounts of a workspace (fake TikTok + moto + Kafka)', () => {
  it('lists the workspace’s accounts with status, profile and scopes, never a token or where it is kept', async () => {
    const ws = newWorkspaceId('ttlist');
    const ada = newOpenId('ada');
    fake.addUser(ada, { display_name: 'Ada Styles', username: 'ada.styles' });
    await connectAccount(fake, ws, { openId: ada, grantScopes: ['user.info.basic', 'video.list'] });
    const bea = newOpenId('bea');
    await seedConnectedAccount(fake, bea, ws);
    await connectionRegistry().setStatus('tiktok', bea, 'revoked', 'authorization.removed webhook (reason 1)');
    await seedConnectedAccount(fake, newOpenId('other'), newWorkspaceId('ttlistx'));

    const response = await listAccounts(ws);
    expect(response.status).toBe(200);
    expect(response.json.accounts).toEqual([
      expect.objectContaining({ open_id: ada, status: 'active', display_name: 'Ada Styles', scopes: ['user.info.basic', 'video.list'], missing_scopes: ['user.info.profile', 'user.info.stats'], connected_at: expect.any(String) }),
      expect.objectContaining({ open_id: bea, status: 'revoked', status_reason: 'authorization.removed webhook (reason 1)' }),
    ]);
    expect(response.text).not.toMatch(/act\.|rft\.|connections\//);
    expect((await listAccounts(newWorkspaceId('ttempty'))).json.accounts).toEqual([]);
  });

  it('disconnects: revoked at TikTok, tokens erased, connection inactive, event published; again is a no-op; reconnecting works', async () => {
    const ws = newWorkspaceId('ttdisc');
    const openId = newOpenId('disc');
    const { secretName } = await seedConnectedAccount(fake, openId, ws);
    expect((await userInfo(ws, openId)).status).toBe(200);

    const response = await disconnectAccount(ws, openId);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ open_id: openId, workspace_id: ws, status: 'disconnected', changed: true, revoked_at_tiktok: true, event_id: expect.any(String), warnings: [] });
    expect(fake.count('revoke', (r) => r.openId === openId && r.status === 200)).toBe(1);
    // TikTok killed every token of the account; ours are gone too.
    expect(await secretStore().get(secretName)).toBe('{}');
    expect(await connectionRegistry().get('tiktok', openId)).toMatchObject({ status: 'inactive', status_reason: 'disconnected by the workspace' });
    const denied = await userInfo(ws, openId);
    expect(denied.status).toBe(409);
    expect(denied.json.error).toMatchObject({ code: 'account_revoked', details: { status: 'inactive' } });
    const [event] = await eventsOf(topics.tiktok(ws, 'account_disconnected'));
    expect(event!.event).toMatchObject({ event_type: 'tiktok.account.disconnected', workspace_id: ws, payload_json: { open_id: openId, revoked_at_tiktok: true } });

    // TikTok then tells us the authorization was removed: published, but the disconnection stands as it is.
    expect((await sendTikTokWebhook(tiktokWebhookBody('authorization.removed', openId, { reason: 1 }))).json.status).toBe('accepted');
    expect((await connectionRegistry().get('tiktok', openId))!.status).toBe('inactive');

    const again = await disconnectAccount(ws, openId);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ changed: false, event_id: null });
    expect(fake.count('revoke', (r) => r.openId === openId)).toBe(1);
    expect(await eventsOf(topics.tiktok(ws, 'account_disconnected'))).toHaveLength(1);

    // Another workspace may connect the account now.
    const other = newWorkspaceId('ttdisc2');
    const reconnected = await connectAccount(fake, other, { openId });
    expect(reconnected.response.json).toMatchObject({ status: 'connected', open_id: openId, workspace_id: other });
    expect((await userInfo(other, openId)).status).toBe(200);
  });

  it('an account of another workspace, or never connected, is 404 and nothing changes', async () => {
    const ws = newWorkspaceId('ttdisc404');
    const openId = newOpenId('theirs');
    await seedConnectedAccount(fake, openId, newWorkspaceId('ttowner'));
    for (const id of [openId, newOpenId('nobody')]) {
      const response = await disconnectAccount(ws, id);
      expect(response.status).toBe(404);
      expect(response.json.error.code).toBe('account_not_connected');
    }
    expect((await connectionRegistry().get('tiktok', openId))!.status).toBe('active');
    expect(fake.count('revoke', (r) => r.openId === openId)).toBe(0);
  });

  it('TikTok failing to revoke does not keep the account connected: the answer says so', async () => {
    const ws = newWorkspaceId('ttdisc503');
    const openId = newOpenId('down');
    const { secretName } = await seedConnectedAccount(fake, openId, ws);
    fake.failNext('revoke', 503);
    const response = await disconnectAccount(ws, openId);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ changed: true, revoked_at_tiktok: false, warnings: [expect.stringMatching(/did not confirm the revocation/)] });
    expect(await secretStore().get(secretName)).toBe('{}');
    expect((await connectionRegistry().get('tiktok', openId))!.status).toBe('inactive');
  });

  it('an expired access token is refreshed first, so the revocation still reaches TikTok', async () => {
    const ws = newWorkspaceId('ttdiscexp');
    const openId = newOpenId('exp');
    await seedConnectedAccount(fake, openId, ws, { expiresInS: 60 }); // inside the refresh margin
    const response = await disconnectAccount(ws, openId);
    expect(response.json).toMatchObject({ changed: true, revoked_at_tiktok: true });
    expect(fake.count('token', (r) => r.grant === 'refresh_token' && r.openId === openId && r.status === 200)).toBe(1);
    expect(fake.count('revoke', (r) => r.openId === openId && r.status === 200)).toBe(1);
  });
});

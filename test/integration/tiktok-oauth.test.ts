/**
 * Connecting a TikTok account end to end (real handlers, moto, the real Kafka broker, the fake TikTok):
 * signed install link → install → TikTok's authorize page → callback → form-encoded code exchange, tokens
 * in Secrets Manager under connections/tiktok, connection tiktok:<open_id> with the secret reference only,
 * tiktok.account.connected on Kafka. Then what must be refused or answered clearly: a declined consent, a
 * replayed callback, links not ours, an account another workspace uses, configuration problems on a public page.
 */
import { connectionRegistry } from '../../shared/runtime/connections';
import { secretResolver, secretStore } from '../../shared/runtime/secrets';
import { table } from '../../shared/runtime/storage';
import { topics } from '../../shared/events/topics';
import { platformSecretName } from '../../shared/secrets/names';
import { tiktokInstallLinkQuery } from '../../shared/tiktok/oauth';
import { newWorkspaceId, secretRoot } from '../support/environment';
import type { FakeTikTok } from '../fakes/tiktok/fake-tiktok';
import {
  ALL_SCOPES,
  authorizeAtTikTok,
  CLIENT_KEY,
  callbackRequest,
  connectAccount,
  eventsOf,
  installLinkRequest,
  installRequest,
  newOpenId,
  PUBLIC_BASE_URL,
  startTikTokEnvironment,
  stopTikTokEnvironment,
  storeTikTokSecret,
  TIKTOK_SECRET,
} from '../fakes/tiktok/harness';

let fake: FakeTikTok;

beforeAll(async () => {
  fake = await startTikTokEnvironment();
});
afterAll(() => stopTikTokEnvironment(fake));

const linkQuery = async (ws: string, body?: unknown) => new URL((await installLinkRequest(ws, body)).json.url).search.slice(1);

describe('TikTok account connection (fake TikTok + moto + Kafka)', () => {
  it('connects: tokens in Secrets Manager, reference-only connection, profile read, tiktok.account.connected published', async () => {
    const ws = newWorkspaceId('ttconnect');
    const openId = newOpenId();
    fake.addUser(openId, { display_name: 'Ada Styles', username: 'ada.styles' });

    const link = await installLinkRequest(ws);
    expect(link.status).toBe(201);
    expect(link.json).toMatchObject({ workspace_id: ws, scopes: ALL_SCOPES, expires_at: expect.any(String) });
    const linkUrl = new URL(link.json.url);
    expect(`${linkUrl.origin}${linkUrl.pathname}`).toBe(`${PUBLIC_BASE_URL}/oauth/tiktok/install`);

    const install = await installRequest(linkUrl.search.slice(1));
    expect(install.status).toBe(302);
    expect(install.headers['cache-control']).toBe('no-store');
    const authorize = new URL(String(install.headers.location));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(fake.authUrl);
    expect(authorize.searchParams.get('client_key')).toBe(CLIENT_KEY);
    expect(authorize.searchParams.get('client_id')).toBeNull();
    expect(authorize.searchParams.get('scope')).toBe('user.info.basic,user.info.profile,user.info.stats,video.list');
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_BASE_URL}/oauth/tiktok/callback`);
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    fake.nextAuthorization({ openId });
    const callbackQuery = await authorizeAtTikTok(authorize.toString());
    const page = await callbackRequest(callbackQuery, { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('TikTok account connected');
    expect(page.text).toContain('Ada Styles');

    // One form-encoded authorization_code exchange (the fake refuses anything but a form).
    expect(fake.count('token', (r) => r.grant === 'authorization_code' && r.status === 200 && r.openId === openId)).toBe(1);
    const secretName = `${secretRoot()}/connections/tiktok/${ws}/${openId}`;
    const stored = JSON.parse((await secretStore().get(secretName))!);
    expect(stored).toMatchObject({ access_token: expect.stringMatching(/^act\./), refresh_token: expect.stringMatching(/^rft\./), open_id: openId, workspace_id: ws });
    expect(stored.expires_at - Date.now()).toBeGreaterThan(86_000_000); // 24 h, read from expires_in
    expect(stored.refresh_token_expires_at - Date.now()).toBeGreaterThan(364 * 86_400_000);

    const connection = await connectionRegistry().get('tiktok', openId);
    expect(connection).toMatchObject({
      workspace_id: ws,
      status: 'active',
      details: { access_token_secret_ref: secretName, scopes: ALL_SCOPES, missing_scopes: [], display_name: 'Ada Styles', username: 'ada.styles' },
    });
    expect(JSON.stringify(connection)).not.toContain(stored.access_token);
    expect(JSON.stringify(connection)).not.toContain(stored.refresh_token);

    const [connected] = await eventsOf(topics.tiktok(ws, 'account_connected'));
    expect(connected!.key).toBe(openId);
    expect(connected!.event).toMatchObject({
      event_type: 'tiktok.account.connected',
      workspace_id: ws,
      payload_json: { open_id: openId, reconnect: false, scopes: ALL_SCOPES, missing_scopes: [], profile: { display_name: 'Ada Styles' } },
    });
    expect(JSON.stringify(connected!.event)).not.toContain(stored.access_token);
    // The publisher wrote it to the family's fan-in as well.
    expect((await eventsOf(topics.allWorkspaces('tiktok'))).some((r) => r.event.event_id === connected!.event.event_id)).toBe(true);

    // The callback replayed: refused, nothing exchanged again.
    const replay = await callbackRequest(callbackQuery, { accept: 'application/json' });
    expect(replay.status).toBe(409);
    expect(replay.json.error.code).toBe('state_already_used');
    expect(fake.count('token', (r) => r.grant === 'authorization_code' && r.openId === openId)).toBe(1);

    // Connecting again from the same workspace is a reconnect.
    const again = await connectAccount(fake, ws, { openId });
    expect(again.response.status).toBe(200);
    expect(again.response.json).toMatchObject({ status: 'connected', open_id: openId, reconnect: true });
  });

  it('a declined consent is a clear page, not a failure; nothing is exchanged and the state is spent', async () => {
    const ws = newWorkspaceId('ttdeny');
    const { response, callbackQuery } = await connectAccount(fake, ws, { deny: true, headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.text).toContain('TikTok account not connected');
    expect(response.text).toContain('chose not to allow');
    expect(new URLSearchParams(callbackQuery).get('error')).toBe('access_denied');
    const json = await callbackRequest(callbackQuery, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.json).toMatchObject({ status: 'declined', error: 'access_denied' });
    // The state was spent by the first answer: a made-up code with it is refused.
    const state = new URLSearchParams(callbackQuery).get('state')!;
    const forged = await callbackRequest(new URLSearchParams({ code: 'abc', state }).toString(), { accept: 'application/json' });
    expect(forged.json.error.code).toBe('state_already_used');
    expect(fake.count('token', (r) => r.grant === 'authorization_code' && r.status !== 200)).toBe(0);
  });

  it('other authorization errors and bad callbacks are refused with a page, never a 500', async () => {
    const odd = await callbackRequest(new URLSearchParams({ error: 'invalid_scope', error_description: '<script>x</script>', state: 'A'.repeat(43) }).toString(), { accept: 'text/html' });
    expect(odd.status).toBe(400);
    expect(odd.text).toContain('authorization_failed');
    expect(odd.text).not.toContain('<script>x</script>');
    const weird = await callbackRequest(new URLSearchParams({ error: '<b>oops</b>' }).toString(), { accept: 'application/json' });
    expect(weird.json.error).toMatchObject({ code: 'authorization_failed', details: { tiktok_error: 'unknown_error' } });
    const unknown = await callbackRequest(new URLSearchParams({ code: 'c0de', state: 'B'.repeat(43) }).toString(), { accept: 'application/json' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe('invalid_state');
    const noState = await callbackRequest('code=abc', { accept: 'application/json' });
    expect(noState.json.error.code).toBe('invalid_state');
  });

  it('a code TikTok refuses is a clear 502 page', async () => {
    const ws = newWorkspaceId('ttbadcode');
    const install = await installRequest(await linkQuery(ws));
    const state = new URL(String(install.headers.location)).searchParams.get('state')!;
    const response = await callbackRequest(new URLSearchParams({ code: 'not-a-code', state, scopes: 'user.info.basic' }).toString(), { accept: 'application/json' });
    expect(response.status).toBe(502);
    expect(response.json.error).toMatchObject({ code: 'code_exchange_refused', message: expect.stringContaining('invalid_grant') });
  });

  it('installs only from a link we signed for that workspace and those scopes, and only before it expires', async () => {
    const ws = newWorkspaceId('ttlink');
    const signed = new URLSearchParams(await linkQuery(ws, { scopes: ['user.info.basic'] }));
    const json = { accept: 'application/json' };
    const unsigned = await installRequest(new URLSearchParams({ workspace_id: ws, scope: 'user.info.basic' }).toString(), json);
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.error.code).toBe('install_link_unsigned');
    for (const [key, value] of [
      ['workspace_id', newWorkspaceId('victim')],
      ['scope', 'user.info.basic,video.list'],
      ['expires', String(Number(signed.get('expires')) + 3600)],
    ] as const) {
      const tampered = new URLSearchParams(signed);
      tampered.set(key, value);
      const response = await installRequest(tampered.toString(), json);
      expect(response.status).toBe(401);
      expect(response.json.error.code).toBe('install_link_invalid');
    }
    // A link we signed two days ago, valid for an hour.
    const late = await installRequest(tiktokInstallLinkQuery(TIKTOK_SECRET, ws, ['user.info.basic'], Date.now() - 2 * 86_400_000, 3600).toString(), json);
    expect(late.status).toBe(400);
    expect(late.json.error.code).toBe('install_link_expired');
    // A browser gets a page, never JSON or a stack trace; nothing was stored for a refused link.
    const page = await installRequest(new URLSearchParams({ workspace_id: ws, scope: 'user.info.basic' }).toString());
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('ask IONFLUX for a new link');
    expect((await table('tiktok-oauth-states').scan()).filter((i) => i.workspace_id === ws)).toEqual([]);
    // The internal route refuses what it cannot sign.
    const badScope = await installLinkRequest(ws, { scopes: ['user info'] });
    expect(badScope.status).toBe(400);
    expect(badScope.json.error.code).toBe('invalid_scope');
    const badTtl = await installLinkRequest(ws, { ttl_seconds: 30 * 86_400 });
    expect(badTtl.status).toBe(400);
  });

  it('records the scopes the user granted and names those missing', async () => {
    const ws = newWorkspaceId('ttpartial');
    const { response, openId } = await connectAccount(fake, ws, { grantScopes: ['user.info.basic', 'video.list'] });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ scopes: ['user.info.basic', 'video.list'], missing_scopes: ['user.info.profile', 'user.info.stats'] });
    expect(response.json.warnings).toEqual(expect.arrayContaining([expect.stringContaining('scopes not granted: user.info.profile, user.info.stats')]));
    expect((await connectionRegistry().get('tiktok', openId!))!.details).toMatchObject({ scopes: ['user.info.basic', 'video.list'], missing_scopes: ['user.info.profile', 'user.info.stats'] });
  });

  it('refuses an account another workspace uses, without naming that workspace', async () => {
    const openId = newOpenId('owned');
    const owner = newWorkspaceId('ttowner');
    expect((await connectAccount(fake, owner, { openId })).response.status).toBe(200);
    const secretsBefore = await secretStore().get(`${secretRoot()}/connections/tiktok/${owner}/${openId}`);
    const thief = newWorkspaceId('ttthief');
    const { response } = await connectAccount(fake, thief, { openId });
    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe('account_connected_elsewhere');
    expect(response.text).not.toContain(owner);
    expect((await connectionRegistry().get('tiktok', openId))!.workspace_id).toBe(owner);
    expect(await secretStore().get(`${secretRoot()}/connections/tiktok/${thief}/${openId}`)).toBeUndefined();
    expect(await secretStore().get(`${secretRoot()}/connections/tiktok/${owner}/${openId}`)).toBe(secretsBefore);
  });

  it('keeps operator configuration problems off the public pages (they stay in the logs)', async () => {
    const name = platformSecretName(secretRoot(), 'tiktok');
    const ws = newWorkspaceId('ttcfg');
    const query = await linkQuery(ws);
    await secretStore().put(name, JSON.stringify({ client_secret: 'x'.repeat(20) })); // no client_key
    secretResolver().invalidate(name);
    try {
      const response = await installRequest(query, { accept: 'application/json' });
      expect(response.status).toBe(500);
      expect(response.json.error).toEqual({ code: 'internal_error', message: expect.any(String), request_id: expect.any(String) });
      expect(response.text).not.toContain(name);
      expect(response.text).not.toMatch(/client_key|ionflux secrets/);
      await secretStore().put(name, JSON.stringify({ client_key: CLIENT_KEY, client_secret: 'x'.repeat(20), base_url: 'ftp://nope' }));
      secretResolver().invalidate(name);
      const page = await callbackRequest('code=abc&state=' + 'C'.repeat(43), { accept: 'text/html' });
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.text).not.toContain('ftp://nope');
      expect(page.text).not.toContain(name);
    } finally {
      await storeTikTokSecret(fake);
      secretResolver().invalidate(name);
    }
  });
});

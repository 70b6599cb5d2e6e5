/**
 * Operator commands for TikTok, run in process against moto and the fake TikTok: the install link, an
 * account's status (token expiry shown, token values never), a signed sample webhook.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../cli/main';
import { tiktokTokenStore } from '../../shared/runtime/tiktok';
import { verifyInstallLinkParts } from '../../shared/oauth/install-link';
import { verifyTikTokSignature } from '../../shared/webhooks/providers/tiktok/tiktok-signature';
import { newWorkspaceId } from '../support/environment';
import { listen } from '../support/listen';
import type { FakeTikTok } from '../fakes/tiktok/fake-tiktok';
import { CLIENT_KEY, newOpenId, PUBLIC_BASE_URL, seedConnectedAccount, startTikTokEnvironment, stopTikTokEnvironment, TIKTOK_SECRET } from '../fakes/tiktok/harness';

let fake: FakeTikTok;
beforeAll(async () => {
  fake = await startTikTokEnvironment();
});
afterAll(() => stopTikTokEnvironment(fake));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ionflux tiktok …', () => {
  it('install-url prints a link signed for the workspace and scopes', async () => {
    const result = await cli(['tiktok', 'install-url', '--workspace', 'acme42', '--scopes', 'user.info.basic,video.list']);
    expect(result.code).toBe(0);
    const url = new URL(result.out);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_BASE_URL}/oauth/tiktok/install`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ workspace_id: 'acme42', scope: 'user.info.basic,video.list' });
    expect(() =>
      verifyInstallLinkParts(
        { keyLabel: 'ionflux/tiktok/install-link/v1', subject: 'account' },
        [TIKTOK_SECRET],
        { parts: ['acme42', 'user.info.basic,video.list'], expires: url.searchParams.get('expires')!, signature: url.searchParams.get('signature')! },
        Date.now(),
      ),
    ).not.toThrow();
    expect(new URL((await cli(['tiktok', 'install-url', '--workspace', 'acme42'])).out).searchParams.get('scope')).toBe('user.info.basic,user.info.profile,user.info.stats,video.list');
    expect((await cli(['tiktok', 'install-url'])).code).toBe(2);
    expect((await cli(['tiktok', 'install-url', '--workspace', 'acme42', '--scopes', 'not a scope'])).code).toBe(2);
  });

  it('status shows the connection, token expiry and the research quota, never a token', async () => {
    const openId = newOpenId('cli');
    const ws = newWorkspaceId('ttcli');
    const { secretName } = await seedConnectedAccount(fake, openId, ws);
    const tokens = (await tiktokTokenStore().read(secretName))!;
    const status = await cli(['tiktok', 'status', openId]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({
      connection: { account_id: openId, workspace_id: ws, status: 'active' },
      token: { expires_at: expect.any(String), refresh_token_expires_at: expect.any(String) },
      research_quota: { limit: 1000, spent: false },
    });
    expect(status.out).not.toContain(tokens.access_token);
    expect(status.out).not.toContain(tokens.refresh_token!);
    expect((await cli(['tiktok', 'status', newOpenId('nobody')])).code).toBe(1);
  });

  it('webhook posts a delivery signed as TikTok signs it', async () => {
    let received: { headers: http.IncomingHttpHeaders; body: string; path: string } | undefined;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received = { headers: req.headers, body, path: req.url ?? '' };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"accepted"}');
      });
    });
    await listen(server, 0);
    try {
      const openId = newOpenId('hook');
      const result = await cli(['tiktok', 'webhook', 'authorization.removed', `--open-id=${openId}`, '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
      expect(result.code).toBe(0);
      expect(received!.path).toBe('/webhooks/tiktok');
      expect(JSON.parse(received!.body)).toMatchObject({ client_key: CLIENT_KEY, event: 'authorization.removed', user_openid: openId, content: '{"reason": 1}' });
      expect(verifyTikTokSignature(Buffer.from(received!.body), String(received!.headers['tiktok-signature']), [TIKTOK_SECRET], Date.now())).toBe('ok');
      expect((await cli(['tiktok', 'webhook', 'Not An Event', '--open-id=x'])).code).toBe(2);
    } finally {
      server.close();
    }
  });
});

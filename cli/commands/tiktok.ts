/**
 * Operator commands for the TikTok integration:
 *   ionflux tiktok install-url --workspace <id> [--scopes a,b] [--base-url <url>]   the signed link a user opens to connect an account
 *   ionflux tiktok status <open_id>                                               connection and token expiry (never a token)
 *   ionflux tiktok webhook <event> --open-id=<id> [--content <json>] [--url <base>] a signed sample webhook to the local runtime
 * (TikTok's open_ids often start with "-": write `--open-id=<id>`).
 */
import { parseArgs } from 'node:util';
import { normaliseAccountId } from '../../shared/connections/account-ids';
import { connectionRegistry } from '../../shared/runtime/connections';
import { researchQuota, tiktokApp, tiktokConfig, tiktokTokenStore } from '../../shared/runtime/tiktok';
import { parseScopes } from '../../shared/tiktok/config';
import { TIKTOK_EVENT } from '../../shared/tiktok/events';
import { INSTALL_PATH, tiktokInstallLinkQuery } from '../../shared/tiktok/oauth';
import { signedTikTokHeaders } from '../../shared/webhooks/providers/tiktok/tiktok-signature';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

const localBase = () => `http://127.0.0.1:${process.env.PORT ?? 3000}`;

const installUrlOptions = { workspace: { type: 'string' }, scopes: { type: 'string' }, 'base-url': { type: 'string' } } as const;
const webhookOptions = { 'open-id': { type: 'string' }, content: { type: 'string' }, url: { type: 'string' } } as const;

export const tiktokInstallUrl: Command = {
  path: ['tiktok', 'install-url'],
  usage: 'ionflux tiktok install-url --workspace <id> [--scopes user.info.basic,video.list] [--base-url <url>]',
  summary: 'print the signed link that connects a TikTok account to a workspace (valid 24 h; open it in a browser)',
  options: installUrlOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: installUrlOptions, allowPositionals: true });
    if (positionals.length || !values.workspace) throw new UsageError(this.usage);
    const workspaceId = assertWorkspaceId(values.workspace);
    let scopes = tiktokConfig().scopes;
    if (values.scopes !== undefined) {
      const parsed = parseScopes(values.scopes.split(','));
      if (parsed.invalid !== undefined || !parsed.scopes.length) throw new UsageError(`--scopes: "${parsed.invalid ?? values.scopes}" is not a TikTok scope such as user.info.basic`);
      scopes = parsed.scopes;
    }
    const base = (values['base-url'] ?? tiktokConfig().publicBaseUrl ?? localBase()).replace(/\/+$/, '');
    const { clientSecret } = await tiktokApp();
    io.out(`${base}${INSTALL_PATH}?${tiktokInstallLinkQuery(clientSecret, workspaceId, scopes, Date.now()).toString()}`);
  },
};

export const tiktokStatus: Command = {
  path: ['tiktok', 'status'],
  usage: 'ionflux tiktok status <open_id>',
  summary: 'a TikTok account’s connection and token expiry (never a token), and today’s Research API quota',
  async run(args, io) {
    const [raw, ...rest] = args;
    if (!raw || rest.length) throw new UsageError(this.usage);
    const openId = normaliseAccountId('tiktok', raw);
    await ensureResources();
    const connection = await connectionRegistry().get('tiktok', openId);
    if (!connection) {
      io.err(`no workspace is connected to TikTok account ${openId}`);
      return 1;
    }
    const ref = connection.details.access_token_secret_ref;
    const tokens = typeof ref === 'string' ? await tiktokTokenStore().read(ref) : undefined;
    const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);
    io.out(
      JSON.stringify(
        {
          connection,
          token: tokens ? { expires_at: iso(tokens.expires_at), refresh_token_expires_at: iso(tokens.refresh_token_expires_at), updated_at: tokens.updated_at } : null,
          research_quota: await researchQuota().usage(),
        },
        null,
        2,
      ),
    );
  },
};

export const tiktokWebhook: Command = {
  path: ['tiktok', 'webhook'],
  usage: 'ionflux tiktok webhook <event> --open-id=<id> [--content <json>] [--url http://127.0.0.1:3000]',
  summary: 'sign a TikTok webhook (e.g. authorization.removed) with the configured client secret and post it to the local runtime',
  options: webhookOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: webhookOptions, allowPositionals: true });
    const [event, ...rest] = positionals;
    if (!event || rest.length || !values['open-id']) throw new UsageError(this.usage);
    if (!TIKTOK_EVENT.test(event)) throw new UsageError(`"${event}" is not a TikTok event such as authorization.removed`);
    const content = values.content ?? (event === 'authorization.removed' ? '{"reason": 1}' : '{}');
    try {
      JSON.parse(content);
    } catch {
      throw new UsageError('--content must be JSON');
    }
    const app = await tiktokApp();
    const body = JSON.stringify({ client_key: app.clientKey, event, create_time: Math.floor(Date.now() / 1000), user_openid: normaliseAccountId('tiktok', values['open-id']), content });
    const base = (values.url ?? localBase()).replace(/\/+$/, '');
    let response: Response;
    try {
      response = await fetch(`${base}/webhooks/tiktok`, { method: 'POST', headers: signedTikTokHeaders(body, app.clientSecret), body });
    } catch (error) {
      throw new Error(`could not reach ${base} (is npm run dev running?): ${(error as Error).message}`, { cause: error });
    }
    io.out(`${response.status} ${await response.text()}`);
    return response.ok ? 0 : 1;
  },
};

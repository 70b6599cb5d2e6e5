/**
 * GET /oauth/tiktok/callback?code&state&scopes (public): TikTok's redirect after the user decided. A
 * declined consent (`error=access_denied`) gets a clear page; otherwise the state is consumed, the code
 * exchanged, the tokens stored and the account connected (shared/tiktok/oauth.ts).
 */
import { config } from '../../shared/config/env';
import { IonfluxError } from '../../shared/errors';
import { httpHandler } from '../../shared/http/handler';
import { redirect } from '../../shared/http/response';
import { installErrorPage, installNoticePage, installSuccessPage } from '../../shared/oauth/pages';
import { publicBaseUrl } from '../../shared/oauth/public-url';
import { moduleLogger } from '../../shared/observability/logger';
import { tiktokConfig, tiktokOAuth } from '../../shared/runtime/tiktok';
import { TIKTOK_PAGES } from '../../shared/tiktok/oauth';

const log = moduleLogger('tiktok');

export const handler = httpHandler(
  async (request) => {
    try {
      const cfg = tiktokConfig();
      const result = await tiktokOAuth().completeInstall({ query: request.query, baseUrl: publicBaseUrl(cfg, request, config().localMode), deadline: request.deadline });
      if (result.status === 'declined') {
        return installNoticePage(
          200,
          'TikTok account not connected',
          ['You chose not to allow IONFLUX to access your TikTok account, so nothing was connected.', 'To connect it, start again from IONFLUX and choose Authorize.'],
          request.headers,
          result,
        );
      }
      if (cfg.postInstallRedirectUrl) {
        const url = new URL(cfg.postInstallRedirectUrl);
        url.searchParams.set('open_id', result.open_id);
        url.searchParams.set('workspace_id', result.workspace_id);
        url.searchParams.set('status', result.warnings.length ? 'connected_with_warnings' : 'connected');
        return redirect(url.toString(), { 'referrer-policy': 'no-referrer' });
      }
      return installSuccessPage({ account: result.display_name ? `${result.display_name} (${result.open_id})` : result.open_id, workspace_id: result.workspace_id, warnings: result.warnings }, request.headers, result, TIKTOK_PAGES);
    } catch (error) {
      const level = !(error instanceof IonfluxError) || error.status >= 500 ? 'error' : 'warn';
      log[level]('tiktok connection callback refused', { error: error instanceof Error ? error.message : String(error), code: error instanceof IonfluxError ? error.code : 'internal_error' });
      return installErrorPage(error, request.requestId, request.headers, TIKTOK_PAGES);
    }
  },
  { maxBodyBytes: 1024 },
);

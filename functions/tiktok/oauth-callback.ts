/**
 * GET /oauth/tiktok/callback?code&state&scopes (public): TikTok's redirect after the user decided. A
 * declined consent (`error=access_denied`) gets a clear page; otherwise the state is consumed, the code
 * exchanged, the tokens stored and the account connected (shared/tiktok/oauth.ts).
 */
import { config } from '../../shared/config/env';
import { httpHandler } from '../../shared/http/handler';
import { installNoticePage, installSuccessPage, redirectAfterInstall, refusedInstallPage } from '../../shared/oauth/pages';
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
      if (cfg.postInstallRedirectUrl) return redirectAfterInstall(cfg.postInstallRedirectUrl, { open_id: result.open_id, workspace_id: result.workspace_id }, result.warnings);
      return installSuccessPage({ account: result.display_name ? `${result.display_name} (${result.open_id})` : result.open_id, workspace_id: result.workspace_id, warnings: result.warnings }, request.headers, result, TIKTOK_PAGES);
    } catch (error) {
      return refusedInstallPage(error, request, TIKTOK_PAGES, log, 'tiktok connection callback refused');
    }
  },
  { maxBodyBytes: 1024 },
);

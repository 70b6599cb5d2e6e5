/**
 * GET /oauth/tiktok/install?workspace_id=<id>&scope=<a,b>&expires=<epoch s>&signature=<hex> (public): a
 * signed install link (shared/tiktok/oauth.ts) → 302 to TikTok's authorize page with a single-use state.
 */
import { config } from '../../shared/config/env';
import { IonfluxError } from '../../shared/errors';
import { httpHandler } from '../../shared/http/handler';
import { redirect } from '../../shared/http/response';
import { installErrorPage } from '../../shared/oauth/pages';
import { publicBaseUrl } from '../../shared/oauth/public-url';
import { moduleLogger } from '../../shared/observability/logger';
import { tiktokApp, tiktokConfig, tiktokOAuthStates } from '../../shared/runtime/tiktok-core';
import { beginTikTokInstall, TIKTOK_PAGES } from '../../shared/tiktok/oauth';

const log = moduleLogger('tiktok');

export const handler = httpHandler(
  async (request) => {
    try {
      const { location } = await beginTikTokInstall(
        { app: tiktokApp, states: tiktokOAuthStates() },
        {
          workspaceId: request.query.workspace_id,
          scope: request.query.scope,
          expires: request.query.expires,
          signature: request.query.signature,
          baseUrl: publicBaseUrl(tiktokConfig(), request, config().localMode),
        },
      );
      return redirect(location, { 'referrer-policy': 'no-referrer' });
    } catch (error) {
      if (!(error instanceof IonfluxError) || error.status >= 500) log.error('tiktok install failed', { error: error instanceof Error ? error.message : String(error) });
      return installErrorPage(error, request, TIKTOK_PAGES);
    }
  },
  { maxBodyBytes: 1024 },
);

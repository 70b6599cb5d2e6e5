/**
 * GET /oauth/shopify/callback (public): Shopify's redirect after the merchant approved the install.
 * Verified (hmac, timestamp, state, shop) before anything else; see shared/shopify/oauth.ts.
 */
import { config } from '../../shared/config/env';
import { IonfluxError } from '../../shared/errors';
import { httpHandler } from '../../shared/http/handler';
import { redirect } from '../../shared/http/response';
import { moduleLogger } from '../../shared/observability/logger';
import { shopifyConfig, shopifyOAuth } from '../../shared/runtime/shopify';
import { installErrorPage, installSuccessPage } from '../../shared/shopify/oauth-pages';
import { publicBaseUrl } from '../../shared/shopify/public-url';

const log = moduleLogger('shopify');

export const handler = httpHandler(
  async (request) => {
    try {
      const cfg = shopifyConfig();
      const result = await shopifyOAuth().completeInstall({
        rawQuery: request.rawQuery,
        baseUrl: publicBaseUrl(cfg, request, config().localMode),
        deadline: request.deadline,
      });
      if (cfg.postInstallRedirectUrl) {
        const url = new URL(cfg.postInstallRedirectUrl);
        url.searchParams.set('shop', result.shop);
        url.searchParams.set('workspace_id', result.workspace_id);
        url.searchParams.set('status', result.warnings.length ? 'connected_with_warnings' : 'connected');
        return redirect(url.toString(), { 'referrer-policy': 'no-referrer' });
      }
      return installSuccessPage(result, request.headers, { status: 'connected', ...result });
    } catch (error) {
      const level = !(error instanceof IonfluxError) || error.status >= 500 ? 'error' : 'warn';
      log[level]('shopify install callback refused', { error: error instanceof Error ? error.message : String(error), code: error instanceof IonfluxError ? error.code : 'internal_error' });
      return installErrorPage(error, request);
    }
  },
  { maxBodyBytes: 1024 },
);

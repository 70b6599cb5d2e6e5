/**
 * GET /oauth/shopify/callback (public): Shopify's redirect after the merchant approved the install.
 * Verified (hmac, timestamp, state, shop) before anything else; see shared/shopify/oauth.ts.
 */
import { config } from '../../shared/config/env';
import { httpHandler } from '../../shared/http/handler';
import { moduleLogger } from '../../shared/observability/logger';
import { shopifyConfig, shopifyOAuth } from '../../shared/runtime/shopify';
import { installSuccessPage, redirectAfterInstall, refusedInstallPage } from '../../shared/oauth/pages';
import { publicBaseUrl } from '../../shared/oauth/public-url';
import { SHOPIFY_PAGES } from '../../shared/shopify/oauth';

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
      if (cfg.postInstallRedirectUrl) return redirectAfterInstall(cfg.postInstallRedirectUrl, { shop: result.shop, workspace_id: result.workspace_id }, result.warnings);
      return installSuccessPage({ ...result, account: result.shop }, request.headers, { status: 'connected', ...result }, SHOPIFY_PAGES);
    } catch (error) {
      return refusedInstallPage(error, request, SHOPIFY_PAGES, log, 'shopify install callback refused');
    }
  },
  { maxBodyBytes: 1024 },
);

/**
 * GET /oauth/shopify/install?shop=<domain>&workspace_id=<id>&expires=<epoch s>&signature=<hex> (public):
 * a signed install link (see shared/shopify/install-link.ts) → 302 to the shop's authorize page.
 */
import { config } from '../../shared/config/env';
import { httpHandler } from '../../shared/http/handler';
import { redirect } from '../../shared/http/response';
import { IonfluxError } from '../../shared/errors';
import { moduleLogger } from '../../shared/observability/logger';
import { oauthStates, shopifyApp, shopifyConfig } from '../../shared/runtime/shopify-core';
import { installErrorPage } from '../../shared/oauth/pages';
import { publicBaseUrl } from '../../shared/oauth/public-url';
import { beginInstall, SHOPIFY_PAGES } from '../../shared/shopify/oauth';

const log = moduleLogger('shopify');

export const handler = httpHandler(
  async (request) => {
    try {
      const cfg = shopifyConfig();
      const { location } = await beginInstall(
        { config: cfg, app: shopifyApp, states: oauthStates() },
        {
          shop: request.query.shop,
          workspaceId: request.query.workspace_id,
          expires: request.query.expires,
          signature: request.query.signature,
          baseUrl: publicBaseUrl(cfg, request, config().localMode),
        },
      );
      return redirect(location);
    } catch (error) {
      if (!(error instanceof IonfluxError) || error.status >= 500) log.error('shopify install failed', { error: error instanceof Error ? error.message : String(error) });
      return installErrorPage(error, request, SHOPIFY_PAGES);
    }
  },
  { maxBodyBytes: 1024 },
);

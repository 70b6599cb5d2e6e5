/**
 * POST /v1/shopify/workspaces/{workspace_id}/install-link (iam) `{ "shop": "acme.myshopify.com", "ttl_seconds"?: 86400 }`
 * → `{ url, shop, workspace_id, expires_at }`: the signed link the platform hands to a signed-in user of the
 * workspace to connect their store. The public install route accepts only such links.
 */
import * as z from 'zod/mini';
import { config } from '../../shared/config/env';
import { normaliseAccountId } from '../../shared/connections/account-ids';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { shopifyApp, shopifyConfig } from '../../shared/runtime/shopify-core';
import { INSTALL_LINK_TTL_S, installLinkQuery, MAX_INSTALL_LINK_TTL_S } from '../../shared/shopify/install-link';
import { publicBaseUrl } from '../../shared/oauth/public-url';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Body = z.strictObject({
  shop: z.string(),
  ttl_seconds: z.optional(z.number().check(z.int(), z.minimum(60), z.maximum(MAX_INSTALL_LINK_TTL_S))),
});

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, Body);
    const shop = normaliseAccountId('shopify', body.shop);
    const app = await shopifyApp();
    const now = Date.now();
    const ttl = body.ttl_seconds ?? INSTALL_LINK_TTL_S;
    const query = installLinkQuery(app.clientSecret, shop, workspaceId, now, ttl);
    const base = publicBaseUrl(shopifyConfig(), request, config().localMode);
    return json(201, {
      url: `${base}/oauth/shopify/install?${query.toString()}`,
      shop,
      workspace_id: workspaceId,
      expires_at: new Date((Math.floor(now / 1000) + ttl) * 1000).toISOString(),
    });
  },
  { maxBodyBytes: 4096 },
);

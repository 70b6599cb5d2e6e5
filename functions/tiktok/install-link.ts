/**
 * POST /v1/tiktok/workspaces/{workspace_id}/install-link (iam) `{ "scopes"?: [...], "ttl_seconds"?: 86400 }`
 * → 201 `{ url, expires_at, workspace_id, scopes }`: the signed link the platform hands to a user of the
 * workspace to connect a TikTok account. The public install route accepts only such links.
 */
import * as z from 'zod/mini';
import { config } from '../../shared/config/env';
import { badRequest } from '../../shared/http/errors';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { INSTALL_LINK_TTL_S, MAX_INSTALL_LINK_TTL_S } from '../../shared/oauth/install-link';
import { publicBaseUrl } from '../../shared/oauth/public-url';
import { tiktokApp, tiktokConfig } from '../../shared/runtime/tiktok-core';
import { parseScopes } from '../../shared/tiktok/config';
import { INSTALL_PATH, tiktokInstallLinkQuery } from '../../shared/tiktok/oauth';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Body = z.strictObject({
  scopes: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(20))),
  ttl_seconds: z.optional(z.number().check(z.int(), z.minimum(60), z.maximum(MAX_INSTALL_LINK_TTL_S))),
});

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = request.rawBody.length ? parseJsonBody(request, Body) : {};
    let scopes = tiktokConfig().scopes;
    if (body.scopes) {
      const parsed = parseScopes(body.scopes);
      if (parsed.invalid !== undefined || !parsed.scopes.length) {
        throw badRequest('invalid_scope', `scopes: "${parsed.invalid ?? ''}" is not a TikTok scope such as user.info.basic`, { field: 'scopes' });
      }
      scopes = parsed.scopes;
    }
    const app = await tiktokApp();
    const now = Date.now();
    const ttl = body.ttl_seconds ?? INSTALL_LINK_TTL_S;
    const query = tiktokInstallLinkQuery(app.clientSecret, workspaceId, scopes, now, ttl);
    const base = publicBaseUrl(tiktokConfig(), request, config().localMode);
    return json(201, {
      url: `${base}${INSTALL_PATH}?${query.toString()}`,
      expires_at: new Date((Math.floor(now / 1000) + ttl) * 1000).toISOString(),
      workspace_id: workspaceId,
      scopes,
    });
  },
  { maxBodyBytes: 4096 },
);

/**
 * POST /v1/shopify/workspaces/{workspace_id}/themes/rollback (iam): Sales Sentinel theme rollback.
 * Body: { shop?, dry_run?, expected_current_theme_id?, target_theme_id?, reason?, requested_by? }.
 */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { shopClients, themeRollback } from '../../shared/runtime/shopify';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Body = z.strictObject({
  shop: z.optional(z.string()),
  dry_run: z.optional(z.boolean()),
  expected_current_theme_id: z.optional(z.union([z.string(), z.number()])),
  target_theme_id: z.optional(z.union([z.string(), z.number()])),
  reason: z.optional(z.string().check(z.maxLength(1000))),
  requested_by: z.optional(z.string().check(z.maxLength(200))),
});

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, Body);
    const ctx = await shopClients().forWorkspace(workspaceId, body.shop);
    const result = await themeRollback().rollback(ctx, {
      dryRun: body.dry_run ?? false,
      deadline: request.deadline,
      ...(body.expected_current_theme_id !== undefined ? { expectedCurrentThemeId: String(body.expected_current_theme_id) } : {}),
      ...(body.target_theme_id !== undefined ? { targetThemeId: String(body.target_theme_id) } : {}),
      ...(body.reason ? { reason: body.reason } : {}),
      requestedBy: [body.requested_by, request.callerArn].filter(Boolean).join(' via ') || 'unknown',
    });
    return json(200, { workspace_id: workspaceId, ...result });
  },
  { maxBodyBytes: 16 * 1024 },
);

/**
 * POST /v1/shopify/workspaces/{workspace_id}/script-tags/deactivate (iam): Sales Sentinel script tag
 * deactivation. Body: { shop?, ids?, src_contains?, all?, dry_run?, reason?, requested_by? }.
 */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { scriptTagDeactivation, shopClients } from '../../shared/runtime/shopify';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Body = z.strictObject({
  shop: z.optional(z.string()),
  ids: z.optional(z.array(z.union([z.string(), z.number()])).check(z.maxLength(250))),
  src_contains: z.optional(z.string().check(z.minLength(3), z.maxLength(500))),
  all: z.optional(z.boolean()),
  dry_run: z.optional(z.boolean()),
  reason: z.optional(z.string().check(z.maxLength(1000))),
  requested_by: z.optional(z.string().check(z.maxLength(200))),
});

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, Body);
    const ctx = await shopClients().forWorkspace(workspaceId, body.shop);
    const result = await scriptTagDeactivation().deactivate(ctx, {
      dryRun: body.dry_run ?? false,
      deadline: request.deadline,
      ...(body.ids ? { ids: body.ids.map(String) } : {}),
      ...(body.src_contains ? { srcContains: body.src_contains } : {}),
      ...(body.all ? { all: true } : {}),
      ...(body.reason ? { reason: body.reason } : {}),
      requestedBy: [body.requested_by, request.callerArn].filter(Boolean).join(' via ') || 'unknown',
    });
    return json(200, { workspace_id: workspaceId, ...result });
  },
  { maxBodyBytes: 64 * 1024 },
);

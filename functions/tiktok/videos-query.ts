/**
 * POST /v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}/videos/query (iam)
 * `{ "video_ids": ["…"], "fields"?: [...] }` → the account's videos with those ids (`POST /v2/video/query/`,
 * 20 a request; up to 100 ids), in the order asked, and `not_found` for ids that are not the account's.
 */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { tiktokAccounts, tiktokClient } from '../../shared/runtime/tiktok';
import { MAX_QUERY_IDS, queryVideos } from '../../shared/tiktok/videos';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Body = z.strictObject({
  video_ids: z.array(z.string()).check(z.minLength(1), z.maxLength(MAX_QUERY_IDS)),
  fields: z.optional(z.array(z.string()).check(z.minLength(1))),
});

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, Body);
    const account = await tiktokAccounts().forWorkspace(workspaceId, request.pathParams.open_id);
    const result = await queryVideos(tiktokClient(), account, { videoIds: body.video_ids, ...(body.fields ? { fields: body.fields } : {}) }, request.deadline);
    return json(200, { workspace_id: workspaceId, open_id: account.openId, ...result });
  },
  { maxBodyBytes: 16 * 1024 },
);

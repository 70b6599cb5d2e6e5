/**
 * GET /v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}/videos?cursor=&max_count=&fields= (iam): the
 * account's public videos, newest first (`POST /v2/video/list/`); `cursor` from the previous page passes
 * through to TikTok as it is, `max_count` 1–20 (default 20).
 */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { validate } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { tiktokAccounts, tiktokClient } from '../../shared/runtime/tiktok';
import { listVideos } from '../../shared/tiktok/videos';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Query = z.object({
  cursor: z.optional(z.string().check(z.regex(/^\d{1,16}$/, 'must be the cursor of a previous page (digits)'))),
  max_count: z.optional(z.string().check(z.regex(/^\d{1,2}$/, 'must be an integer from 1 to 20'))),
  fields: z.optional(z.string()),
});

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const query = validate(request.query, Query);
    const account = await tiktokAccounts().forWorkspace(workspaceId, request.pathParams.open_id);
    const page = await listVideos(
      tiktokClient(),
      account,
      { ...(query.cursor ? { cursor: query.cursor } : {}), ...(query.max_count ? { maxCount: Number(query.max_count) } : {}), ...(query.fields ? { fields: query.fields } : {}) },
      request.deadline,
    );
    return json(200, { workspace_id: workspaceId, open_id: account.openId, ...page });
  },
  { maxBodyBytes: 1024 },
);

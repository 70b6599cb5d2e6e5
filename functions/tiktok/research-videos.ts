/**
 * POST /v1/tiktok/workspaces/{workspace_id}/research/videos (iam)
 * `{ query: {and?, or?, not?}, start_date, end_date, max_count?, cursor?, search_id?, fields?, is_random? }`
 * → public videos matching the query (Research API, the app's client token). Windows longer than 30 days
 * are split and merged; `cursor`/`search_id` of a page bring the next one. 429 with Retry-After once the
 * day's research quota is spent.
 */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { tiktokResearch } from '../../shared/runtime/tiktok';
import { defaultFields, endpoints } from '../../shared/tiktok/api';
import { pickFields } from '../../shared/tiktok/fields';
import { parseResearchQuery } from '../../shared/tiktok/research-query';
import { researchWindows } from '../../shared/tiktok/research-windows';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Body = z.strictObject({
  query: z.unknown(),
  start_date: z.string(),
  end_date: z.string(),
  max_count: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100))),
  cursor: z.optional(z.union([z.number().check(z.int(), z.minimum(0)), z.string().check(z.maxLength(32))])),
  search_id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the search_id of a previous page'))),
  fields: z.optional(z.union([z.array(z.string()), z.string()])),
  is_random: z.optional(z.boolean()),
});

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, Body);
    const page = await tiktokResearch().videos(
      {
        query: parseResearchQuery(body.query),
        windows: researchWindows(body, Date.now()),
        maxCount: body.max_count ?? 20,
        fields: pickFields(body.fields, endpoints.researchVideos.fields, defaultFields.research),
        ...(body.cursor !== undefined ? { cursor: body.cursor } : {}),
        ...(body.search_id ? { searchId: body.search_id } : {}),
        ...(body.is_random ? { isRandom: true } : {}),
      },
      request.deadline,
    );
    return json(200, { workspace_id: workspaceId, ...page });
  },
  { maxBodyBytes: 32 * 1024 },
);

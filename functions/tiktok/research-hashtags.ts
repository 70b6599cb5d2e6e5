/**
 * POST /v1/tiktok/workspaces/{workspace_id}/research/hashtags (iam)
 * `{ hashtags: [...], start_date, end_date, max_videos_per_hashtag?, region_codes? }` → per hashtag: videos,
 * views, likes, shares, comments and top creators, aggregated from Research API video queries (TikTok has no
 * hashtag statistics endpoint). Stopped early by the deadline or the daily quota, it answers what it read
 * with `complete: false` (429 with Retry-After when it could read nothing).
 */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { tiktokResearch } from '../../shared/runtime/tiktok';
import { condition } from '../../shared/tiktok/research-query';
import { assertSomethingRead } from '../../shared/tiktok/research';
import { researchWindows } from '../../shared/tiktok/research-windows';
import { checkHashtags } from '../../shared/tiktok/tracked-hashtags';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Body = z.strictObject({
  hashtags: z.array(z.string()).check(z.minLength(1), z.maxLength(20)),
  start_date: z.string(),
  end_date: z.string(),
  max_videos_per_hashtag: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(2000))),
  region_codes: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(20))),
});

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, Body);
    const regionCodes = body.region_codes ? condition.in('region_code', body.region_codes).field_values : undefined;
    const report = await tiktokResearch().hashtags(
      {
        hashtags: checkHashtags(body.hashtags),
        windows: researchWindows(body, Date.now()),
        maxVideosPerHashtag: body.max_videos_per_hashtag ?? 500,
        ...(regionCodes ? { regionCodes } : {}),
      },
      request.deadline,
    );
    assertSomethingRead(report);
    return json(200, { workspace_id: workspaceId, ...report });
  },
  { maxBodyBytes: 16 * 1024 },
);

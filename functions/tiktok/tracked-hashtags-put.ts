/**
 * PUT /v1/tiktok/workspaces/{workspace_id}/tracked-hashtags (iam) `{ "hashtags": ["skincare", "#ootd"] }`
 * → the workspace's tracked hashtags (normalised: no "#", lower case; up to 20; an empty list stops
 * tracking). The daily trend snapshot reads them.
 */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { trackedHashtags } from '../../shared/runtime/tiktok-core';
import { MAX_TRACKED_HASHTAGS } from '../../shared/tiktok/tracked-hashtags';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const Body = z.strictObject({ hashtags: z.array(z.string()).check(z.maxLength(MAX_TRACKED_HASHTAGS)) });

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, Body);
    return json(200, await trackedHashtags().set(workspaceId, body.hashtags));
  },
  { maxBodyBytes: 8 * 1024 },
);

/** GET /v1/tiktok/workspaces/{workspace_id}/tracked-hashtags (iam) → the workspace's tracked hashtags. */
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { trackedHashtags } from '../../shared/runtime/tiktok-core';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(async (request) => json(200, await trackedHashtags().get(assertWorkspaceId(request.pathParams.workspace_id))), { maxBodyBytes: 1024 });

/**
 * GET /v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}/user-info (iam): the connected account's
 * display name, avatar, bio, verification and follower/following/likes/video counts (fields whose scope the
 * account did not grant are null and the scope listed in `missing_scopes`).
 */
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { tiktokAccounts, tiktokClient } from '../../shared/runtime/tiktok';
import { readUserInfo } from '../../shared/tiktok/user-info';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const account = await tiktokAccounts().forWorkspace(workspaceId, request.pathParams.open_id);
    return json(200, { workspace_id: workspaceId, user: await readUserInfo(tiktokClient(), account, request.deadline) });
  },
  { maxBodyBytes: 1024 },
);

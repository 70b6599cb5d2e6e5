/**
 * DELETE /v1/tiktok/workspaces/{workspace_id}/accounts/{open_id} (iam): the workspace disconnects the
 * account: the authorization revoked at TikTok, the tokens erased, the connection inactive,
 * `tiktok.account.disconnected` published (shared/tiktok/disconnect.ts). 200 again for an account already
 * disconnected; 404 for one this workspace never connected.
 */
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { tiktokDisconnectDeps } from '../../shared/runtime/tiktok';
import { disconnectAccount } from '../../shared/tiktok/disconnect';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    return json(200, await disconnectAccount(tiktokDisconnectDeps(), workspaceId, request.pathParams.open_id, request.deadline));
  },
  { maxBodyBytes: 1024 },
);

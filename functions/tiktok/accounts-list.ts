/**
 * GET /v1/tiktok/workspaces/{workspace_id}/accounts (iam) → the TikTok accounts connected to the workspace:
 * open_id, status (active, inactive, revoked, with the reason), profile name and avatar, scopes granted and
 * missing, when connected. Never a token or where it is stored.
 */
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { connectionRegistry } from '../../shared/runtime/connections';
import { listAccounts } from '../../shared/tiktok/accounts';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    return json(200, { workspace_id: workspaceId, accounts: await listAccounts(connectionRegistry(), workspaceId) });
  },
  { maxBodyBytes: 1024 },
);

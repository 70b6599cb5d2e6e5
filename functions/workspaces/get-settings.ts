/** GET /v1/workspaces/{workspace_id}/settings (iam): the settings as this layer holds them. */
import { notFound } from '../../shared/http/errors';
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(async (request) => {
  const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
  const record = await workspaceDirectory().get(workspaceId);
  if (!record) throw notFound('workspace_not_found', `workspace ${workspaceId} has no settings yet`);
  return json(200, record);
});

/** GET /v1/whatsapp/workspaces/{workspace_id}/opt-ins/{wa_id}[?history=true] (iam): a user's consent. */
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { optInService } from '../../shared/runtime/whatsapp';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(async (request) => {
  const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
  return json(200, await optInService().get(workspaceId, request.pathParams.wa_id ?? '', { history: request.query.history === 'true' || request.query.history === '1' }));
});

/** DELETE /v1/memory/workspaces/{workspace_id} (iam): offboarding — every namespace the workspace owns, in every allowed index. */
import { memoryRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = memoryRoute(memoryService, async (service, request, call) => ({
  body: await service.deleteWorkspace(assertWorkspaceId(request.pathParams.workspace_id), call),
}));

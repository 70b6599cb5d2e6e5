/** GET /v1/memory/workspaces/{workspace_id}/stats[?index=] (iam): the workspace's namespaces and their record counts. */
import { memoryRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = memoryRoute(memoryService, async (service, request, call) => ({
  body: await service.stats(assertWorkspaceId(request.pathParams.workspace_id), { index: request.query.index }, call),
}));

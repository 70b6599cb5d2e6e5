/** POST /v1/memory/workspaces/{workspace_id}/fetch (iam): records of a namespace by id. */
import { FetchBodySchema } from '../../shared/memory/contract';
import { workspaceRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';

export const handler = workspaceRoute(FetchBodySchema, memoryService, (service, workspaceId, body, call) => service.fetch(workspaceId, body, call), {
  maxBodyBytes: 1024 * 1024,
});

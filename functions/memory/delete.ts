/** POST /v1/memory/workspaces/{workspace_id}/delete (iam): records of a namespace by ids, by metadata filter, or all of them. */
import { DeleteBodySchema } from '../../shared/memory/contract';
import { workspaceRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';

export const handler = workspaceRoute(DeleteBodySchema, memoryService, (service, workspaceId, body, call) => service.delete(workspaceId, body, call), {
  maxBodyBytes: 1024 * 1024,
});

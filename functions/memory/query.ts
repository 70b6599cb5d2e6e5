/** POST /v1/memory/workspaces/{workspace_id}/query (iam): nearest records to a vector, a text (embedded first) or a stored record's id. */
import { QueryBodySchema } from '../../shared/memory/contract';
import { workspaceRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';

export const handler = workspaceRoute(QueryBodySchema, memoryService, (service, workspaceId, body, call) => service.query(workspaceId, body, call), {
  maxBodyBytes: 1024 * 1024,
});

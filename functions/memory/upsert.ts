/** POST /v1/memory/workspaces/{workspace_id}/upsert (iam): records (vectors, or texts embedded first) into a namespace of the workspace. */
import { UpsertBodySchema } from '../../shared/memory/contract';
import { LAMBDA_MAX_BODY_BYTES, workspaceRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';

export const handler = workspaceRoute(UpsertBodySchema, memoryService, (service, workspaceId, body, call) => service.upsert(workspaceId, body, call), {
  maxBodyBytes: LAMBDA_MAX_BODY_BYTES,
});

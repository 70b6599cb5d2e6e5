/** POST /v1/whatsapp/workspaces/{workspace_id}/opt-ins (iam): record a user's opt-in → 201 with the record. */
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { optInService } from '../../shared/runtime/whatsapp';
import { OptInRequestSchema } from '../../shared/whatsapp/contract';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const outcome = await optInService().optIn(workspaceId, parseJsonBody(request, OptInRequestSchema), { deadline: request.deadline });
    // `applied: false`: a more recent change is recorded (the record shows it).
    return json(201, { ...outcome.record, applied: outcome.applied });
  },
  { maxBodyBytes: 16 * 1024 },
);

/** POST /v1/whatsapp/workspaces/{workspace_id}/templates (iam): submit a template for Meta's review → 201 (status PENDING or APPROVED). */
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { templateService } from '../../shared/runtime/whatsapp';
import { TemplateSubmissionSchema } from '../../shared/whatsapp/contract';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    return json(201, await templateService().submit(workspaceId, parseJsonBody(request, TemplateSubmissionSchema), { deadline: request.deadline }));
  },
  { maxBodyBytes: 256 * 1024 },
);

/** POST /v1/whatsapp/workspaces/{workspace_id}/messages (iam): send a message → 202 {message_id, status: "accepted"}. */
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { sendService } from '../../shared/runtime/whatsapp';
import { SendMessageRequestSchema } from '../../shared/whatsapp/contract';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, SendMessageRequestSchema);
    return json(202, await sendService().send(workspaceId, body, { deadline: request.deadline }));
  },
  { maxBodyBytes: 256 * 1024 },
);

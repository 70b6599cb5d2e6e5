/** GET /v1/whatsapp/workspaces/{workspace_id}/templates?waba_id=…[&status=APPROVED][&refresh=true] (iam): the cached template list. */
import { badRequest } from '../../shared/http/errors';
import { httpHandler } from '../../shared/http/handler';
import { validate } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { templateService } from '../../shared/runtime/whatsapp';
import { WabaId } from '../../shared/whatsapp/contract';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(async (request) => {
  const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
  if (!request.query.waba_id) throw badRequest('invalid_request', 'waba_id is required (?waba_id=<WhatsApp Business Account id>)', { field: 'waba_id' });
  const wabaId = validate(request.query.waba_id, WabaId);
  const status = request.query.status?.toUpperCase();
  return json(200, await templateService().list(workspaceId, wabaId, { deadline: request.deadline, refresh: request.query.refresh === 'true', ...(status ? { status } : {}) }));
});

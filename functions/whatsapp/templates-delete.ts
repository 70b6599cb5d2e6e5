/** DELETE /v1/whatsapp/workspaces/{workspace_id}/templates/{name}?waba_id=…[&template_id=…] (iam): delete a template (every language, or one by id). */
import { badRequest } from '../../shared/http/errors';
import { httpHandler } from '../../shared/http/handler';
import { validate } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { templateService } from '../../shared/runtime/whatsapp';
import { TemplateName, WabaId } from '../../shared/whatsapp/contract';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(async (request) => {
  const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
  if (!request.query.waba_id) throw badRequest('invalid_request', 'waba_id is required (?waba_id=<WhatsApp Business Account id>)', { field: 'waba_id' });
  const wabaId = validate(request.query.waba_id, WabaId);
  const name = validate(request.pathParams.name ?? '', TemplateName);
  const templateId = request.query.template_id;
  if (templateId !== undefined && !/^\d{1,32}$/.test(templateId)) throw badRequest('invalid_request', 'template_id must be a template id (digits)', { field: 'template_id' });
  await templateService().remove(workspaceId, wabaId, name, { deadline: request.deadline, ...(templateId ? { templateId } : {}) });
  return json(200, { waba_id: wabaId, name, ...(templateId ? { template_id: templateId } : {}), deleted: true });
});

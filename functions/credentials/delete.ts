/** DELETE /v1/workspaces/{workspace_id}/credentials/{label} (iam): delete the secret and its mapping. */
import { httpHandler } from '../../shared/http/handler';
import { workspaceCredentials } from '../../shared/runtime/credentials';

export const handler = httpHandler(async (request) => {
  await workspaceCredentials().remove(request.pathParams.workspace_id!, request.pathParams.label!);
  return { statusCode: 204, headers: {}, body: '' };
});

/** GET /v1/workspaces/{workspace_id}/credentials/{label} (iam): one label's service, fields and when it was set; never the value. */
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { workspaceCredentials } from '../../shared/runtime/credentials';

export const handler = httpHandler(async (request) => json(200, await workspaceCredentials().describe(request.pathParams.workspace_id!, request.pathParams.label!)));

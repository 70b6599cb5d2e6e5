/** GET /v1/workspaces/{workspace_id}/credentials (iam): labels, services and when each was set; never values. */
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { workspaceCredentials } from '../../shared/runtime/credentials';

export const handler = httpHandler(async (request) => json(200, { credentials: await workspaceCredentials().list(request.pathParams.workspace_id!) }));

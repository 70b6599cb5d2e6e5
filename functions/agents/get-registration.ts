/** GET /v1/agents/workspaces/{workspace_id}/agents/{agent_id} (iam): a registration as stored. */
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { agentRegistry } from '../../shared/runtime/agents';

export const handler = httpHandler(async (request) => json(200, await agentRegistry().get(request.pathParams.workspace_id!, request.pathParams.agent_id!)));

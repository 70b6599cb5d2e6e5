/** DELETE /v1/agents/workspaces/{workspace_id}/agents/{agent_id} (iam): the agent no longer receives events. */
import { httpHandler } from '../../shared/http/handler';
import { agentRegistry } from '../../shared/runtime/agents';

export const handler = httpHandler(async (request) => {
  await agentRegistry().remove(request.pathParams.workspace_id!, request.pathParams.agent_id!);
  return { statusCode: 204, headers: {}, body: '' };
});

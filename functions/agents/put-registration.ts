/** PUT /v1/agents/workspaces/{workspace_id}/agents/{agent_id} (iam): AgentService registers an agent. */
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { agentRegistry } from '../../shared/runtime/agents';
import * as z from 'zod/mini';

const Body = z.unknown();

export const handler = httpHandler(
  async (request) => {
    const { registration, created } = await agentRegistry().register(request.pathParams.workspace_id!, request.pathParams.agent_id!, parseJsonBody(request, Body));
    return json(created ? 201 : 200, registration);
  },
  { maxBodyBytes: 256 * 1024 },
);

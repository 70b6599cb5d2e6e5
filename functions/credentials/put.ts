/** PUT /v1/workspaces/{workspace_id}/credentials/{label} (iam): store a niche-service credential of a workspace. */
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { workspaceCredentials } from '../../shared/runtime/credentials';
import * as z from 'zod/mini';

const Body = z.unknown();

export const handler = httpHandler(
  async (request) => json(200, await workspaceCredentials().set(request.pathParams.workspace_id!, request.pathParams.label!, parseJsonBody(request, Body))),
  { maxBodyBytes: 32 * 1024 },
);

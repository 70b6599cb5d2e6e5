/** PUT /v1/workspaces/{workspace_id}/settings (iam): the platform keeps a workspace's settings current. */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

// Validated whole by the directory (parseWorkspaceSettings): a record schema here would drop a
// "__proto__" key before anyone could refuse it.
const SettingsBody = z.unknown();

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const settings = parseJsonBody(request, SettingsBody);
    return json(200, await workspaceDirectory().putSettings(workspaceId, settings));
  },
  { maxBodyBytes: 64 * 1024 },
);

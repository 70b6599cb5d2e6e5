/** GET /v1/sentinel/workspaces/{workspace_id}/order-counters?days=N (iam): the Sales Sentinel feed. */
import { badRequest } from '../../shared/http/errors';
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { orderCounters } from '../../shared/runtime/sentinel';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(async (request) => {
  const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
  const days = request.query.days === undefined ? 30 : Number(request.query.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw badRequest('invalid_days', 'days must be a whole number from 1 to 366');
  return json(200, await orderCounters().read(workspaceId, { days }));
});

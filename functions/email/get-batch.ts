/** GET /v1/emails/batches/{batch_id}?workspace_id= (iam): the progress of a bulk send. */
import { InvalidEmailRequestError } from '../../shared/email/errors';
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { bulkEmailService } from '../../shared/runtime/email';
import { WORKSPACE_ID } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(async (request) => {
  const workspaceId = request.query.workspace_id;
  if (!workspaceId || !WORKSPACE_ID.test(workspaceId)) throw new InvalidEmailRequestError('workspace_id', 'the query must name the workspace (1–64 letters, digits, "_" or "-")');
  return json(200, await bulkEmailService().status(request.pathParams.batch_id ?? '', workspaceId));
});

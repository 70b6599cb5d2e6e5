/** DELETE /v1/whatsapp/workspaces/{workspace_id}/opt-ins/{wa_id} (iam): record an opt-out → 200 with the record. */
import * as z from 'zod/mini';
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { optInService } from '../../shared/runtime/whatsapp';
import { OptOutRequestSchema } from '../../shared/whatsapp/contract';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    // The body is optional: {phone_number_id?, reason?}; the query may say the same.
    const body: z.infer<typeof OptOutRequestSchema> = request.rawBody.length ? parseJsonBody(request, OptOutRequestSchema) : {};
    const phone = body.phone_number_id ?? request.query.phone_number_id;
    const outcome = await optInService().optOut(workspaceId, request.pathParams.wa_id ?? '', { ...(phone ? { phone_number_id: phone } : {}), ...(body.reason ? { reason: body.reason } : {}) }, { deadline: request.deadline });
    return json(200, { ...outcome.record, applied: outcome.applied });
  },
  { maxBodyBytes: 16 * 1024 },
);

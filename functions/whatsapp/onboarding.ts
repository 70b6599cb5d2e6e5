/** POST /v1/whatsapp/workspaces/{workspace_id}/onboarding (iam): finish Embedded Signup for a number → 201. */
import { httpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/json-body';
import { json } from '../../shared/http/response';
import { onboardingService } from '../../shared/runtime/whatsapp';
import { OnboardingRequestSchema } from '../../shared/whatsapp/contract';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const body = parseJsonBody(request, OnboardingRequestSchema);
    return json(201, await onboardingService().onboard(workspaceId, body, { deadline: request.deadline }));
  },
  { maxBodyBytes: 16 * 1024 },
);

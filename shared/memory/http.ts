/**
 * The HTTP edge of the memory functions: the path's workspace id, the JSON body against its schema (400
 * naming every problem), the service call with the request's deadline, and the JSON answer (or the
 * shared error body). Each route is its own Lambda (functions/memory/*.ts) built from these.
 */
import type * as z from 'zod/mini';
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../http/handler';
import { parseJsonBody } from '../http/json-body';
import type { HttpRequest } from '../http/request';
import { json } from '../http/response';
import { assertWorkspaceId } from '../workspaces/workspace-id';
import type { MemoryCall, MemoryService } from './service';

export const memoryCall = (request: HttpRequest): MemoryCall => ({
  requestId: request.requestId,
  deadline: request.deadline,
  ...(request.callerArn ? { callerArn: request.callerArn } : {}),
});

/** `POST /v1/memory/workspaces/{workspace_id}/<operation>` with a JSON body. */
export function workspaceRoute<T>(
  schema: z.ZodMiniType<T>,
  service: () => MemoryService,
  run: (service: MemoryService, workspaceId: string, body: T, call: MemoryCall) => Promise<unknown>,
  options: { maxBodyBytes?: number } = {},
) {
  return httpHandler(
    async (request) => {
      const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
      const body = parseJsonBody(request, schema);
      return json(200, await run(service(), workspaceId, body, memoryCall(request)));
    },
    { maxBodyBytes: options.maxBodyBytes ?? 256 * 1024 },
  );
}

/** Routes without a body (GET, DELETE) and the admin routes: the handler reads what it needs. */
export function memoryRoute(service: () => MemoryService, run: (service: MemoryService, request: HttpRequest, call: MemoryCall) => Promise<{ status?: number; body: unknown }>, options: { maxBodyBytes?: number } = {}) {
  return httpHandler(
    async (request) => {
      const { status, body } = await run(service(), request, memoryCall(request));
      return json(status ?? 200, body);
    },
    { maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 },
  );
}

export { LAMBDA_MAX_BODY_BYTES };

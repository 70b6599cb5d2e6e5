/**
 * The HTTP edge of every `POST /v1/llm/<task>` function: parse and validate the body against the task's
 * schema (400 naming every problem), run the service, answer 200 with the normalised response and a
 * Server-Timing header (gateway overhead vs time in the provider), or the shared error body.
 */
import * as z from 'zod/mini';
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../http/handler';
import { parseJsonBody, validate } from '../http/json-body';
import { json } from '../http/response';
import { type LlmRequests, requestSchemas, type TaskType } from './contract';
import type { CallTimings, LlmService } from './service';

export function serverTiming(t: CallTimings): string {
  const ms = (x: number) => x.toFixed(2);
  return `gateway;dur=${ms(t.totalMs - t.providerMs)}, provider;dur=${ms(t.providerMs)}, publish;dur=${ms(t.publishMs)}`;
}

/** The request against its task's schema: 400 naming every problem in zod's words (json-body.ts `validate`). */
export const validateLlmRequest = <T extends TaskType>(task: T, body: unknown): LlmRequests[T] =>
  validate(body, requestSchemas[task] as unknown as z.ZodMiniType<LlmRequests[T]>, 'invalid_body');

export function llmHttpHandler<T extends TaskType>(task: T, service: () => LlmService) {
  return httpHandler(
    async (request) => {
      const body = validateLlmRequest(task, parseJsonBody(request, z.unknown()));
      const { body: response, timings } = await service().run(task, body, {
        requestId: request.requestId,
        deadline: request.deadline,
        ...(request.callerArn ? { callerArn: request.callerArn } : {}),
      });
      return json(200, response, { 'server-timing': serverTiming(timings) });
    },
    { maxBodyBytes: LAMBDA_MAX_BODY_BYTES },
  );
}

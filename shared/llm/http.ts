/**
 * The HTTP edge of every `POST /v1/llm/<task>` function: parse and validate the body against the task's
 * schema (400 naming every problem), run the service, answer 200 with the normalised response and a
 * Server-Timing header (gateway overhead vs time in the provider), or the shared error body.
 */
import * as z from 'zod/mini';
import { badRequest } from '../http/errors';
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../http/handler';
import { parseJsonBody } from '../http/json-body';
import { json } from '../http/response';
import { type LlmRequests, requestSchemas, type TaskType } from './contract';
import type { CallTimings, LlmService } from './service';

export function serverTiming(t: CallTimings): string {
  const ms = (x: number) => x.toFixed(2);
  return `gateway;dur=${ms(t.totalMs - t.providerMs)}, provider;dur=${ms(t.providerMs)}, publish;dur=${ms(t.publishMs)}`;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  expected?: string;
  values?: unknown[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  /** invalid_union: the issues of each alternative. */
  errors?: Issue[][];
}

/** One readable line per problem (zod/mini ships no message locale: its default text is "Invalid input"). */
export function describeIssue(issue: Issue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(body)';
  const unit = issue.origin === 'array' ? ' item(s)' : issue.origin === 'string' ? ' character(s)' : '';
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${where}: unknown field ${issue.keys!.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return `${where}: ${issue.expected === 'nonoptional' ? 'is required' : `expected ${issue.expected}`}`;
    case 'invalid_value':
      return `${where}: must be ${issue.values!.length === 1 ? JSON.stringify(issue.values![0]) : `one of ${issue.values!.map((v) => JSON.stringify(v)).join(', ')}`}`;
    case 'too_small':
      return `${where}: must be at least ${String(issue.minimum)}${unit}`;
    case 'too_big':
      return `${where}: must be at most ${String(issue.maximum)}${unit}`;
    case 'invalid_union': {
      // The alternative whose type the value has says what is wrong with it (e.g. a list that is too long).
      const typed = issue.errors?.find((branch) => branch.length > 0 && !branch.some((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (typed) return describeIssue({ ...typed[0]!, path: [...issue.path, ...typed[0]!.path] });
      return `${where}: has the wrong type`;
    }
    default:
      return `${where}: ${issue.message === 'Invalid input' ? `invalid (${issue.code})` : issue.message}`;
  }
}

export function validateLlmRequest<T extends TaskType>(task: T, body: unknown): LlmRequests[T] {
  const result = (requestSchemas[task] as unknown as z.ZodMiniType<LlmRequests[T]>).safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue as unknown as Issue));
  throw badRequest('invalid_body', `request is invalid: ${problems.join('; ')}`, { problems });
}

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

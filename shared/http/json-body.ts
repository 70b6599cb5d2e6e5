/** Reading a JSON request body against a zod schema: 400 naming every problem, never a stack trace. */
import * as z from 'zod/mini';
import '../zod-messages';
import { badRequest, unsupportedMediaType } from './errors';
import type { HttpRequest } from './request';

export function parseJsonBody<T>(request: HttpRequest, schema: z.ZodMiniType<T>): T {
  const contentType = request.headers['content-type'];
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType)) throw unsupportedMediaType('application/json', contentType);
  if (request.rawBody.length === 0) throw badRequest('invalid_body', 'request body is empty; a JSON object is expected');
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.rawBody.toString('utf8'));
  } catch (error) {
    throw badRequest('invalid_json', `request body is not valid JSON: ${(error as Error).message}`);
  }
  return validate(parsed, schema, 'invalid_body');
}

export function validate<T>(value: unknown, schema: z.ZodMiniType<T>, code = 'invalid_request'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  throw badRequest(code, `request is invalid: ${problems.join('; ')}`, { problems });
}

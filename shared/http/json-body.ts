/** Reading a JSON request body against a zod schema: 400 naming every problem, never a stack trace. */
import * as z from 'zod/mini';
import '../zod-messages';
import { badRequest, unsupportedMediaType } from './errors';
import type { HttpRequest } from './request';

/**
 * How deep a JSON body may nest. Real payloads stay under ten levels (a Shopify order: about seven);
 * thousands of levels break JSON.stringify (RangeError) when the value is written on, so absurd nesting is
 * refused up front, as the caller's mistake.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the JSON text in `bytes` opens more than `max` arrays/objects inside each other. One pass over
 * the raw bytes, strings skipped (UTF-8 continuation bytes are never ASCII), nothing parsed: safe to run on
 * anything before JSON.parse.
 */
export function jsonNestsDeeperThan(bytes: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next byte is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export function parseJsonBody<T>(request: HttpRequest, schema: z.ZodMiniType<T>): T {
  const contentType = request.headers['content-type'];
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType)) throw unsupportedMediaType('application/json', contentType);
  if (request.rawBody.length === 0) throw badRequest('invalid_body', 'request body is empty; a JSON object is expected');
  if (jsonNestsDeeperThan(request.rawBody)) throw badRequest('invalid_json', `request body nests deeper than ${MAX_JSON_DEPTH} levels (the limit)`, { max_depth: MAX_JSON_DEPTH });
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

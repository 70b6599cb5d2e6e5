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
  // Most bodies open fewer brackets than the limit in all: counted natively (indexOf), no scan needed.
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let opened = 0;
  for (const bracket of [0x7b, 0x5b]) {
    for (let at = buffer.indexOf(bracket); at !== -1 && opened <= max; at = buffer.indexOf(bracket, at + 1)) opened++;
  }
  if (opened <= max) return false;
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

/** The parts of a zod issue the lines below read (an invalid_union carries each alternative's issues). */
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
}

/**
 * One line per problem, `path: message`, in zod's own words (English locale, shared/zod-messages.ts). For a
 * value that may take either of two types, the problem of the alternative whose type it has (a list that is
 * too long), rather than zod's bare "Invalid input".
 */
export function issueLines(issues: readonly Issue[], root = '(body)'): string[] {
  const where = (path: PropertyKey[]) => (path.length ? path.map(String).join('.') : root);
  return issues.flatMap((issue): string[] => {
    if (issue.code === 'invalid_union' && issue.errors?.length) {
      const typed = issue.errors.find((branch) => branch.length > 0 && !branch.some((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (typed) return issueLines(typed.map((e) => ({ ...e, path: [...issue.path, ...e.path] })), root);
      // Of no alternative's type: what each alternative expected.
      return [`${where(issue.path)}: ${[...new Set(issue.errors.flat().map((e) => e.message))].join(' | ')}`];
    }
    return [`${where(issue.path)}: ${issue.message}`];
  });
}

export function validate<T>(value: unknown, schema: z.ZodMiniType<T>, code = 'invalid_request'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = issueLines(result.error.issues as unknown as Issue[]);
  throw badRequest(code, `request is invalid: ${problems.join('; ')}`, { problems });
}

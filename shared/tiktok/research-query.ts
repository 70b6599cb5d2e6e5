/**
 * The Research API's query: `{ and?, or?, not? }`, each a list of conditions `{ field_name, operation,
 * field_values }` (developers.tiktok.com/doc/research-api-specs-query-videos). `condition` builds them in
 * code; `parseResearchQuery` checks a caller's query — TikTok's own form, or the short form
 * `{ "hashtag_name": "cats" }` (EQ), `{ "region_code": ["US", "CA"] }` (IN), `{ "create_date": { "gte": "20260101" } }` —
 * and answers 400 naming the condition that cannot be sent.
 */
import { InvalidTikTokRequestError } from './errors';

export const OPERATIONS = ['EQ', 'IN', 'GT', 'GTE', 'LT', 'LTE'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Condition {
  operation: Operation;
  field_name: string;
  field_values: string[];
}

export interface ResearchQuery {
  and?: Condition[];
  or?: Condition[];
  not?: Condition[];
}

interface FieldRule {
  operations: readonly Operation[];
  value: RegExp;
  expected: string;
  normalise?: (value: string) => string;
  /** A check beyond the pattern. */
  valid?: (value: string) => boolean;
}

/** `YYYYMMDD` naming a real calendar day. */
const isCalendarDay = (value: string): boolean => {
  const [y, m, d] = [Number(value.slice(0, 4)), Number(value.slice(4, 6)), Number(value.slice(6, 8))];
  const at = new Date(Date.UTC(y, m - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
};

const EQUALITY: readonly Operation[] = ['EQ', 'IN'];

/** Condition fields the Research API filters on, with the values each takes. */
export const CONDITION_FIELDS: Readonly<Record<string, FieldRule>> = {
  create_date: { operations: OPERATIONS, value: /^\d{8}$/, expected: 'a UTC date YYYYMMDD', normalise: (v) => v.replaceAll('-', ''), valid: isCalendarDay },
  username: { operations: EQUALITY, value: /^[A-Za-z0-9._]{1,64}$/, expected: 'a TikTok username', normalise: (v) => v.replace(/^@/, '') },
  region_code: { operations: EQUALITY, value: /^[A-Z]{2}$/, expected: 'a two-letter region code such as US', normalise: (v) => v.toUpperCase() },
  video_id: { operations: EQUALITY, value: /^\d{1,32}$/, expected: 'a video id (digits)' },
  hashtag_name: { operations: EQUALITY, value: /^[^\s#,]{1,100}$/u, expected: 'a hashtag without "#" or spaces', normalise: (v) => normaliseHashtag(v) },
  keyword: { operations: EQUALITY, value: /^.{1,100}$/su, expected: 'a keyword of 1–100 characters' },
  music_id: { operations: EQUALITY, value: /^\d{1,32}$/, expected: 'a music id (digits)' },
  effect_id: { operations: EQUALITY, value: /^\d{1,32}$/, expected: 'an effect id (digits)' },
  video_length: { operations: EQUALITY, value: /^(SHORT|MID|LONG|EXTRA_LONG)$/, expected: 'SHORT, MID, LONG or EXTRA_LONG', normalise: (v) => v.toUpperCase() },
};

const MAX_CONDITIONS = 50;
const MAX_VALUES = 100;

/** `#Cats ` → `cats` (TikTok matches hashtags without the sign, case-insensitively). */
export function normaliseHashtag(tag: string): string {
  return tag.trim().replace(/^#+/, '').toLowerCase();
}

function checked(where: string, field: string, operation: string, values: readonly unknown[]): Condition {
  const rule = CONDITION_FIELDS[field];
  if (!rule) throw new InvalidTikTokRequestError(where, `"${field}" is not a condition field (one of: ${Object.keys(CONDITION_FIELDS).join(', ')})`);
  const op = operation.toUpperCase() as Operation;
  if (!rule.operations.includes(op)) throw new InvalidTikTokRequestError(where, `${field} takes ${rule.operations.join(', ')}, not "${operation}"`);
  if (!values.length || values.length > MAX_VALUES) throw new InvalidTikTokRequestError(where, `needs 1 to ${MAX_VALUES} values`);
  if (op !== 'IN' && values.length !== 1) throw new InvalidTikTokRequestError(where, `${op} takes exactly one value (IN takes several)`);
  const normalised = values.map((raw) => {
    if (typeof raw !== 'string' && typeof raw !== 'number') throw new InvalidTikTokRequestError(where, `values must be strings (got ${JSON.stringify(raw)})`);
    const value = rule.normalise ? rule.normalise(String(raw).trim()) : String(raw).trim();
    if (!rule.value.test(value) || (rule.valid && !rule.valid(value))) throw new InvalidTikTokRequestError(where, `"${String(raw)}" is not ${rule.expected}`);
    return value;
  });
  return { operation: op, field_name: field, field_values: [...new Set(normalised)] };
}

/** Conditions built in code (checked like a caller's). */
export const condition = {
  eq: (field: string, value: string): Condition => checked(field, field, 'EQ', [value]),
  in: (field: string, values: readonly string[]): Condition => checked(field, field, 'IN', values),
  compare: (field: string, operation: 'GT' | 'GTE' | 'LT' | 'LTE', value: string): Condition => checked(field, field, operation, [value]),
};

function parseCondition(where: string, raw: unknown): Condition {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidTikTokRequestError(where, 'must be an object');
  const entry = raw as Record<string, unknown>;
  if ('field_name' in entry || 'operation' in entry || 'field_values' in entry) {
    const { field_name: field, operation, field_values: values, ...rest } = entry;
    if (Object.keys(rest).length) throw new InvalidTikTokRequestError(where, `unexpected key(s) ${Object.keys(rest).join(', ')}`);
    if (typeof field !== 'string') throw new InvalidTikTokRequestError(where, 'field_name must be a string');
    if (typeof operation !== 'string') throw new InvalidTikTokRequestError(where, 'operation must be one of EQ, IN, GT, GTE, LT, LTE');
    if (!Array.isArray(values)) throw new InvalidTikTokRequestError(where, 'field_values must be an array');
    return checked(where, field, operation, values);
  }
  const keys = Object.keys(entry);
  if (keys.length !== 1) throw new InvalidTikTokRequestError(where, 'a short-form condition names exactly one field, e.g. {"hashtag_name": "cats"}');
  const field = keys[0]!;
  const value = entry[field];
  if (Array.isArray(value)) return checked(where, field, 'IN', value);
  if (value && typeof value === 'object') {
    const ops = Object.entries(value as Record<string, unknown>);
    if (ops.length !== 1) throw new InvalidTikTokRequestError(where, 'a comparison names one operation, e.g. {"create_date": {"gte": "20260101"}}');
    const [operation, operand] = ops[0]!;
    return checked(where, field, operation, Array.isArray(operand) ? operand : [operand]);
  }
  return checked(where, field, 'EQ', [value]);
}

/** A caller's query, checked and in TikTok's form; at least one non-empty `and`, `or` or `not`. */
export function parseResearchQuery(raw: unknown): ResearchQuery {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidTikTokRequestError('query', 'must be an object with "and", "or" and/or "not" lists of conditions');
  const input = raw as Record<string, unknown>;
  const unknown = Object.keys(input).filter((k) => k !== 'and' && k !== 'or' && k !== 'not');
  if (unknown.length) throw new InvalidTikTokRequestError('query', `unexpected key(s) ${unknown.join(', ')} (and, or, not)`);
  const query: ResearchQuery = {};
  let count = 0;
  for (const group of ['and', 'or', 'not'] as const) {
    const list = input[group];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new InvalidTikTokRequestError(`query.${group}`, 'must be a list of conditions');
    if (!list.length) continue;
    query[group] = list.map((entry, i) => parseCondition(`query.${group}[${i}]`, entry));
    count += list.length;
  }
  if (!count) throw new InvalidTikTokRequestError('query', 'needs at least one condition in "and", "or" or "not"');
  if (count > MAX_CONDITIONS) throw new InvalidTikTokRequestError('query', `at most ${MAX_CONDITIONS} conditions`);
  return query;
}

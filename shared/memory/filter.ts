/**
 * The metadata filter language (Pinecone's): `{field: value}` (= `$eq`), `{field: {$op: operand, …}}`
 * with `$eq $ne` (string, number, boolean), `$gt $gte $lt $lte` (number), `$in $nin` (non-empty list of
 * strings or numbers, ≤ 10,000), `$exists` (boolean), and `$and` / `$or` (non-empty lists of filters);
 * several keys in one object must all hold. Checked here once for both backends (400 naming the place),
 * and compiled to a predicate for the embedded store.
 *
 * Semantics on list-valued metadata (lists of strings): `$eq v` holds when the list contains v, `$ne v`
 * when it does not, `$in` when any element is in the operand, `$nin` when none is. A missing field
 * satisfies `$ne`, `$nin` and `$exists: false` only.
 */
import { MemoryRequestError } from './errors';
import type { Metadata, MetadataValue } from './metadata';

export type Filter = Record<string, unknown>;
export type Predicate = (metadata: Metadata | undefined) => boolean;

const FIELD_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);
export const MAX_IN_VALUES = 10_000;
const MAX_DEPTH = 16;

const fail = (where: string, message: string): never => {
  throw new MemoryRequestError('invalid_filter', `filter${where}: ${message}`, { at: `filter${where}` });
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** Checks a filter and returns its predicate. */
export function compileFilter(filter: unknown): Predicate {
  if (!isObject(filter) || Object.keys(filter).length === 0) fail('', 'must be a non-empty object');
  return compileNode(filter as Filter, '', 0);
}

function compileNode(node: Filter, where: string, depth: number): Predicate {
  if (depth > MAX_DEPTH) fail(where, `nests deeper than ${MAX_DEPTH} levels`);
  const parts: Predicate[] = [];
  for (const [key, value] of Object.entries(node)) {
    const at = `${where}.${key}`;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) fail(at, 'must be a non-empty list of filters');
      const children = (value as unknown[]).map((child, i) => {
        if (!isObject(child) || Object.keys(child).length === 0) fail(`${at}[${i}]`, 'must be a non-empty object');
        return compileNode(child as Filter, `${at}[${i}]`, depth + 1);
      });
      parts.push(key === '$and' ? (m) => children.every((c) => c(m)) : (m) => children.some((c) => c(m)));
    } else if (key.startsWith('$')) {
      fail(at, `unknown operator ${key} here (fields take $eq $ne $gt $gte $lt $lte $in $nin $exists; combine with $and $or)`);
    } else if (key === '') {
      fail(at, 'a field name cannot be empty');
    } else if (isObject(value)) {
      const ops = Object.entries(value);
      if (!ops.length) fail(at, 'an operator object cannot be empty');
      for (const [op, operand] of ops) parts.push(fieldOperator(key, op, operand, `${at}.${op}`));
    } else if (scalar(value)) {
      parts.push(fieldOperator(key, '$eq', value, at));
    } else {
      fail(at, 'must be a string, number or boolean (equality), or an object of operators');
    }
  }
  return parts.length === 1 ? parts[0]! : (m) => parts.every((p) => p(m));
}

function fieldOperator(field: string, op: string, operand: unknown, at: string): Predicate {
  if (!FIELD_OPERATORS.has(op)) fail(at, `unknown operator ${op} (one of ${[...FIELD_OPERATORS].join(' ')})`);
  const get = (m: Metadata | undefined): MetadataValue | undefined => m?.[field];
  switch (op) {
    case '$eq':
    case '$ne': {
      if (!scalar(operand)) fail(at, 'takes a string, number or boolean');
      const eq = (v: MetadataValue | undefined) => (Array.isArray(v) ? v.includes(operand as string) : v === operand);
      return op === '$eq' ? (m) => eq(get(m)) : (m) => !eq(get(m));
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      if (typeof operand !== 'number' || !Number.isFinite(operand)) fail(at, 'takes a number');
      const n = operand as number;
      const cmp = op === '$gt' ? (v: number) => v > n : op === '$gte' ? (v: number) => v >= n : op === '$lt' ? (v: number) => v < n : (v: number) => v <= n;
      return (m) => {
        const v = get(m);
        return typeof v === 'number' && cmp(v);
      };
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand) || operand.length === 0) fail(at, 'takes a non-empty list');
      const list = operand as unknown[];
      if (list.length > MAX_IN_VALUES) fail(at, `takes at most ${MAX_IN_VALUES} values (got ${list.length})`);
      if (!list.every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))) fail(at, 'takes strings or numbers');
      const set = new Set(list as Array<string | number>);
      const any = (v: MetadataValue | undefined) => (Array.isArray(v) ? v.some((x) => set.has(x)) : v !== undefined && set.has(v as string | number));
      return op === '$in' ? (m) => any(get(m)) : (m) => !any(get(m));
    }
    default: {
      if (typeof operand !== 'boolean') fail(at, 'takes true or false');
      return operand ? (m) => get(m) !== undefined : (m) => get(m) === undefined;
    }
  }
}

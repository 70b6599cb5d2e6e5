/**
 * The payload filter of an event_stream trigger, compiled once into a predicate: every condition must
 * hold. Keys are dot paths into `payload_json` (`data.total_price`, `line_items.0.sku`); a condition is a
 * value (equal to it) or an object of operators:
 *   equals, not_equals (a missing field counts as not equal), in [values], exists true|false,
 *   gt, gte, lt, lte (numbers, and numeric strings such as Shopify's "12.50"), prefix "text".
 */
import type { FilterConditionSpec, PayloadFilterSpec } from './registration';

export type PayloadPredicate = (payload: Record<string, unknown>) => boolean;

const NUMERIC = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

const asNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
};

function reader(path: string): (payload: Record<string, unknown>) => unknown {
  const parts = path.split('.');
  if (parts.length === 1) return (payload) => (Object.hasOwn(payload, path) ? payload[path] : undefined);
  return (payload) => {
    let value: unknown = payload;
    for (const part of parts) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  };
}

type Test = (value: unknown) => boolean;

const same = (expected: unknown): Test => {
  const n = asNumber(expected);
  return typeof expected === 'number' && n !== undefined ? (value) => asNumber(value) === n : (value) => value === expected;
};

function conditionTest(condition: FilterConditionSpec): Test {
  if (condition === null || typeof condition !== 'object') return same(condition);
  const tests: Test[] = [];
  if ('equals' in condition) tests.push(same(condition.equals));
  if ('not_equals' in condition) {
    const eq = same(condition.not_equals);
    tests.push((value) => !eq(value));
  }
  if (condition.in) {
    const members = condition.in.map(same);
    tests.push((value) => members.some((m) => m(value)));
  }
  if (condition.exists !== undefined) {
    const exists = condition.exists;
    tests.push((value) => (value !== undefined) === exists);
  }
  const bound = (limit: number | undefined, holds: (n: number, limit: number) => boolean) => {
    if (limit === undefined) return;
    tests.push((value) => {
      const n = asNumber(value);
      return n !== undefined && holds(n, limit);
    });
  };
  bound(condition.gt, (n, l) => n > l);
  bound(condition.gte, (n, l) => n >= l);
  bound(condition.lt, (n, l) => n < l);
  bound(condition.lte, (n, l) => n <= l);
  if (condition.prefix !== undefined) {
    const prefix = condition.prefix;
    tests.push((value) => typeof value === 'string' && value.startsWith(prefix));
  }
  return tests.length === 1 ? tests[0]! : (value) => tests.every((t) => t(value));
}

/** The predicate of a filter (undefined when there is none: every event passes). */
export function compilePayloadFilter(filter: PayloadFilterSpec | undefined): PayloadPredicate | undefined {
  if (!filter) return undefined;
  const checks = Object.entries(filter).map(([path, condition]) => {
    const read = reader(path);
    const test = conditionTest(condition);
    return (payload: Record<string, unknown>) => test(read(payload));
  });
  if (!checks.length) return undefined;
  if (checks.length === 1) return checks[0]!;
  return (payload) => checks.every((check) => check(payload));
}

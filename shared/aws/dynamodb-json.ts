/**
 * DynamoDB's attribute-value JSON for the plain JSON data our tables hold: strings, finite numbers,
 * booleans, null, lists, maps and binary. `undefined` map members are left out (as the document client's
 * `removeUndefinedValues`); anything else (NaN, functions, class instances) is refused, not guessed at.
 */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { B: string }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export class UnsupportedAttributeError extends TypeError {
  constructor(path: string, what: string) {
    super(`cannot store ${what} at ${path || 'the top level'} in DynamoDB`);
    this.name = 'UnsupportedAttributeError';
  }
}

export function toAttribute(value: unknown, path = ''): AttributeValue {
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      if (!Number.isFinite(value)) throw new UnsupportedAttributeError(path, String(value));
      return { N: String(value) };
    case 'bigint':
      return { N: value.toString() };
    case 'boolean':
      return { BOOL: value };
    case 'object': {
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) return { L: value.map((v, i) => toAttribute(v === undefined ? null : v, `${path}[${i}]`)) };
      if (value instanceof Uint8Array) return { B: Buffer.from(value).toString('base64') };
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new UnsupportedAttributeError(path, `a ${proto?.constructor?.name ?? 'non-plain'} object`);
      return { M: toItem(value as Record<string, unknown>, path) };
    }
    default:
      throw new UnsupportedAttributeError(path, `a ${typeof value}`);
  }
}

export function toItem(item: Record<string, unknown>, path = ''): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(item)) if (v !== undefined) out[k] = toAttribute(v, path ? `${path}.${k}` : k);
  return out;
}

/** A stored number as a JS number; an integer a double cannot hold exactly is refused, not rounded. */
function toNumber(text: string): number {
  const n = Number(text);
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && /^-?\d+$/.test(text)) {
    throw new RangeError(`DynamoDB number ${text} is outside the range a JavaScript number holds exactly`);
  }
  return n;
}

export function fromAttribute(attribute: AttributeValue): unknown {
  if ('S' in attribute) return attribute.S;
  if ('N' in attribute) return toNumber(attribute.N);
  if ('BOOL' in attribute) return attribute.BOOL;
  if ('NULL' in attribute) return null;
  if ('M' in attribute) return fromItem(attribute.M);
  if ('L' in attribute) return attribute.L.map(fromAttribute);
  if ('B' in attribute) return Buffer.from(attribute.B, 'base64');
  if ('SS' in attribute) return new Set(attribute.SS);
  if ('NS' in attribute) return new Set(attribute.NS.map(toNumber));
  if ('BS' in attribute) return new Set(attribute.BS.map((b) => Buffer.from(b, 'base64')));
  throw new TypeError(`unknown DynamoDB attribute type ${Object.keys(attribute).join(',')}`);
}

export function fromItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromAttribute(v);
  return out;
}

/**
 * DynamoDB's capacity arithmetic, as AWS documents it, for counting what our real calls consume:
 * - item size (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 *   attribute names and string values in UTF-8 bytes, binary values in bytes, a number ≈ 1 byte per two
 *   significant digits + 1, null and boolean 1 byte, a list or map 3 bytes + 1 byte per element + its
 *   elements, a set the sum of its elements;
 * - write request units: 1 per started KB of the larger of the item before and after (put, update, delete;
 *   a write whose condition fails still consumes them), doubled inside a transaction;
 * - read request units: 1 per started 4 KB for a strongly consistent read, half for an eventually
 *   consistent one, doubled inside a transaction; a query or scan adds up the items it read first.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Significant digits of a DynamoDB number (leading and trailing zeros trimmed). */
function significantDigits(n: string): number {
  const digits = n.replace(/^[+-]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.max(1, digits.length);
}

export function attributeValueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return Math.ceil(significantDigits(value.N) / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + Math.ceil(significantDigits(n) / 2) + 1, 0);
  if (value.BS) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + attributeValueBytes(v), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + utf8(k) + attributeValueBytes(v), 0);
  throw new Error(`unknown DynamoDB attribute value: ${JSON.stringify(value)}`);
}

/** The size DynamoDB bills an item by (0 for no item). */
export function itemBytes(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeValueBytes(value), 0);
}

/** Write request units of one write touching items of these sizes (before and after). */
export function writeUnits(bytesBefore: number, bytesAfter: number, transactional = false): number {
  const units = Math.max(1, Math.ceil(Math.max(bytesBefore, bytesAfter) / 1024));
  return transactional ? 2 * units : units;
}

/** Read request units of reading this many bytes (one item, or the items a query read) at once. */
export function readUnits(bytes: number, consistency: 'eventual' | 'strong' | 'transactional'): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistency === 'eventual' ? units / 2 : consistency === 'transactional' ? 2 * units : units;
}

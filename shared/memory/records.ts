/**
 * The records of an upsert: checked by hand against the index (ids, exactly one of values/text,
 * dimension, finite numbers, metadata types and size — every problem named, up to 20), then split into
 * Pinecone-sized batches (≤ 1,000 records, ≤ 2 MB of JSON each).
 */
import { MemoryRequestError } from './errors';
import { type Metadata, metadataProblems } from './metadata';
import type { IndexDescription, VectorRecord } from './vector-store';
import { LIMITS } from './contract';

export interface PendingRecord {
  id: string;
  values?: number[];
  text?: string;
  metadata?: Metadata;
}

const RECORD_FIELDS = new Set(['id', 'values', 'text', 'metadata']);
const MAX_PROBLEMS = 20;

export function dimensionMismatch(where: string, got: number, index: IndexDescription): MemoryRequestError {
  return new MemoryRequestError('dimension_mismatch', `${where} has ${got} dimensions; index ${index.name} has ${index.dimension}`, {
    index: index.name,
    index_dimension: index.dimension,
    dimension: got,
  });
}

/** A record id as Pinecone takes it: a non-empty string of at most 512 bytes, no NUL. */
export function idProblem(id: unknown, where: string): string | undefined {
  if (typeof id !== 'string' || id === '') return `${where}: must be a non-empty string`;
  if (id.includes('\0')) return `${where}: must not contain NUL`;
  if (Buffer.byteLength(id) > LIMITS.idBytes) return `${where}: is longer than ${LIMITS.idBytes} bytes`;
  return undefined;
}

/** Every id of a fetch or delete, checked: 400 naming each bad one. */
export function checkIds(ids: string[]): string[] {
  const problems = ids.map((id, i) => idProblem(id, `ids[${i}]`)).filter((p): p is string => !!p);
  if (problems.length) throw new MemoryRequestError('invalid_ids', problems.join('; '), { problems });
  return [...new Set(ids)];
}

/** Checks a vector's numbers (the caller checked its length); a problem or undefined. */
export function vectorProblem(values: unknown[], where: string, metric: IndexDescription['metric']): string | undefined {
  let nonZero = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${where}[${i}]: must be a finite number`;
    if (v !== 0) nonZero = true;
  }
  if (!nonZero && metric === 'cosine') return `${where}: an all-zero vector has no direction (the index uses cosine)`;
  return undefined;
}

export function checkRecords(raw: unknown[], index: IndexDescription): PendingRecord[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const out: PendingRecord[] = [];
  let texts = 0;
  const problem = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else if (problems.length === MAX_PROBLEMS) problems.push('… (further problems not listed)');
  };
  for (let i = 0; i < raw.length; i++) {
    const where = `records[${i}]`;
    const r = raw[i];
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      problem(`${where}: must be an object {id, values | text, metadata?}`);
      continue;
    }
    const rec = r as Record<string, unknown>;
    for (const key of Object.keys(rec)) if (!RECORD_FIELDS.has(key)) problem(`${where}: unknown field "${key}"`);
    const idIssue = idProblem(rec.id, `${where}.id`);
    if (idIssue) problem(idIssue);
    else if (seen.has(rec.id as string)) problem(`${where}.id: "${rec.id as string}" appears more than once in this request`);
    else seen.add(rec.id as string);
    const hasValues = rec.values !== undefined;
    const hasText = rec.text !== undefined;
    if (hasValues === hasText) problem(`${where}: give either "values" or "text", exactly one`);
    const pending: PendingRecord = { id: rec.id as string };
    if (hasValues) {
      if (!Array.isArray(rec.values)) problem(`${where}.values: must be a list of numbers`);
      else if (rec.values.length !== index.dimension) throw dimensionMismatch(`${where}.values`, rec.values.length, index);
      else {
        const issue = vectorProblem(rec.values, `${where}.values`, index.metric);
        if (issue) problem(issue);
        else pending.values = rec.values as number[];
      }
    } else if (hasText) {
      if (typeof rec.text !== 'string' || rec.text.trim() === '') problem(`${where}.text: must be a non-empty string`);
      else if (rec.text.length > LIMITS.textCharacters) problem(`${where}.text: is longer than ${LIMITS.textCharacters} characters`);
      else {
        pending.text = rec.text;
        texts++;
      }
    }
    if (rec.metadata !== undefined) {
      const issues = metadataProblems(rec.metadata, `${where}.metadata`);
      for (const p of issues) problem(p);
      if (!issues.length) pending.metadata = rec.metadata as Metadata;
    }
    out.push(pending);
  }
  if (texts > LIMITS.upsertTexts) problem(`records: ${texts} records carry text; at most ${LIMITS.upsertTexts} can be embedded per request`);
  if (problems.length) throw new MemoryRequestError('invalid_records', `records are invalid: ${problems.join('; ')}`, { problems });
  return out;
}

/**
 * JSON characters per value, measured on a sample of the records (their producer writes them alike) with
 * a margin. Writing every vector to JSON to measure it would cost as much as the SDK's own serialisation
 * of the batch; the exact size is checked where the SDK serialises it (pinecone-store.ts splits a batch
 * that came out over 2 MB, before sending it).
 */
export function valueWidth(records: VectorRecord[]): number {
  const step = Math.max(1, Math.floor(records.length / 8));
  let widest = 0;
  for (let i = 0; i < records.length; i += step) {
    const values = records[i]!.values;
    if (values.length) widest = Math.max(widest, JSON.stringify(values).length / values.length);
  }
  return widest * 1.1 + 0.5;
}

/** JSON bytes of a record in an upsert body, given the width of its values. */
export function recordBytes(record: VectorRecord, width: number): number {
  let bytes = 48 + Buffer.byteLength(record.id) + Math.ceil(record.values.length * width);
  if (record.metadata) bytes += 12 + Buffer.byteLength(JSON.stringify(record.metadata));
  return bytes;
}

export interface Batch {
  records: VectorRecord[];
  bytes: number;
}

/** Consecutive batches of at most `maxRecords` records and about `maxBytes` bytes (by the estimate above). */
export function toBatches(records: VectorRecord[], maxRecords: number = LIMITS.upsertBatchRecords, maxBytes: number = LIMITS.upsertBatchBytes): Batch[] {
  const out: Batch[] = [];
  // Room for the envelope: {"vectors":[…],"namespace":"…"}.
  const budget = maxBytes - 1024;
  const width = valueWidth(records);
  let current: Batch = { records: [], bytes: 0 };
  for (const record of records) {
    const size = recordBytes(record, width);
    if (current.records.length && (current.records.length >= maxRecords || current.bytes + size > budget)) {
      out.push(current);
      current = { records: [], bytes: 0 };
    }
    current.records.push(record);
    current.bytes += size;
  }
  if (current.records.length) out.push(current);
  return out;
}

/**
 * Record metadata as Pinecone takes it: a flat JSON object whose values are strings, finite numbers,
 * booleans or lists of strings (no null: omit the key; no nested objects), at most 40 KB of JSON per
 * record. Checked before anything is sent, for both backends.
 */
import { MemoryRequestError } from './errors';

export type MetadataValue = string | number | boolean | string[];
export type Metadata = Record<string, MetadataValue>;

export const MAX_METADATA_BYTES = 40 * 1024;

/** Problems with one record's metadata (empty when fine); `where` names it, e.g. `records[3].metadata`. */
export function metadataProblems(value: unknown, where: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${where}: must be an object`];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === '' || key.startsWith('$')) problems.push(`${where}: "${key}" is not a metadata field name (non-empty, not starting with "$")`);
    else if (v === null) problems.push(`${where}.${key}: null is not a metadata value (omit the key instead)`);
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) problems.push(`${where}.${key}: must be a finite number`);
    } else if (Array.isArray(v)) {
      if (!v.every((item) => typeof item === 'string')) problems.push(`${where}.${key}: a list must hold strings only`);
    } else if (typeof v !== 'string' && typeof v !== 'boolean') {
      problems.push(`${where}.${key}: must be a string, number, boolean or list of strings (got ${typeof v === 'object' ? 'an object' : typeof v})`);
    }
  }
  if (!problems.length) {
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > MAX_METADATA_BYTES) problems.push(`${where}: ${bytes} bytes of JSON; the limit is ${MAX_METADATA_BYTES} (40 KB) per record`);
  }
  return problems;
}

export function assertMetadata(value: unknown, where: string): Metadata {
  const problems = metadataProblems(value, where);
  if (problems.length) throw new MemoryRequestError('invalid_metadata', problems.join('; '), { problems });
  return value as Metadata;
}

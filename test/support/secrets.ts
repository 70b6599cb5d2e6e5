/** Storing secrets in tests: through the real store, with the value recorded for the log scan. */
import fs from 'node:fs';
import path from 'node:path';
import { secretStore } from '../../shared/runtime/secrets';
import { secretValuesFile } from './paths';

export function recordSecretValue(value: string): void {
  fs.mkdirSync(path.dirname(secretValuesFile), { recursive: true });
  fs.appendFileSync(secretValuesFile, `${JSON.stringify(value)}\n`);
}

/** Stores `value` under `name` and records every string in it as a value that must never be logged. */
export async function storeSecret(name: string, value: string | Record<string, string>): Promise<void> {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // URLs are configuration, not secrets (and appear in internal error messages).
  const strings = typeof value === 'string' ? [value] : Object.entries(value).filter(([k]) => !k.endsWith('_url')).map(([, v]) => v);
  for (const s of strings) if (s.length >= 8) recordSecretValue(s);
  await secretStore().put(name, text);
}

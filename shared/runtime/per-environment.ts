/**
 * Things created once per execution environment (a Lambda container, the local runtime process) and
 * reused by every invocation: SDK clients, the Kafka producer, secret caches. Tests reset them between
 * scenarios with `resetEnvironment()`.
 */
import { resetConfig } from '../config/env';

const disposers: Array<() => Promise<void>> = [];

export function perEnvironment<T>(create: () => T, dispose?: (value: T) => Promise<void> | void): () => T {
  let made = false;
  let value: T | undefined;
  disposers.push(async () => {
    if (made && dispose) await dispose(value as T);
    made = false;
    value = undefined;
  });
  return () => {
    if (!made) {
      value = create();
      made = true;
    }
    return value as T;
  };
}

/** Disposes every per-environment value (closing producers and clients) and re-reads configuration. */
export async function resetEnvironment(): Promise<void> {
  for (const dispose of disposers) await dispose();
  resetConfig();
}

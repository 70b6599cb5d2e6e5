/** Where secret values live: Secrets Manager (AWS, moto) or a local JSON file (embedded default). */
export interface SecretStore {
  /** The secret string, or undefined when the secret does not exist or has no value yet. */
  get(name: string): Promise<string | undefined>;
  /** Creates the secret or stores a new version of it. */
  put(name: string, value: string): Promise<void>;
  /** Names only, optionally under a prefix. */
  list(prefix?: string): Promise<string[]>;
  /** Deletes the secret at once (no recovery window, so the name can be used again); a missing one is fine. */
  delete(name: string): Promise<void>;
}

/** Where secret values live: Secrets Manager (AWS, moto) or a local JSON file (embedded default). */
export interface SecretStore {
  /** The secret string, or undefined when the secret does not exist or has no value yet. */
  get(name: string): Promise<string | undefined>;
  /** Creates the secret or stores a new version of it. */
  put(name: string, value: string): Promise<void>;
  /** Names only, optionally under a prefix. */
  list(prefix?: string): Promise<string[]>;
  /**
   * Removes the secret; nothing happens when it does not exist. Secrets Manager keeps it recoverable (not
   * readable) for its shortest recovery window, 7 days.
   */
  delete(name: string): Promise<void>;
}

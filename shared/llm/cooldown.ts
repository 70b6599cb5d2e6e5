/**
 * Cooldowns per provider key (provider + secret name), per execution environment: a key that keeps
 * failing — `failureThreshold` retryable failures in a row within `windowMs`, or one failure that cannot
 * heal by retrying (401, no credit) — is skipped for `cooldownMs`, so the next requests go straight to
 * their fallback instead of waiting on it. A success clears the count. (LiteLLM's router does the same.)
 */
export interface CooldownOptions {
  cooldownMs: number;
  failureThreshold: number;
  windowMs: number;
  /** Longest cooldown a provider's retry-after may ask for. */
  maxCooldownMs: number;
  clock?: () => number;
}

export const defaultCooldownOptions: CooldownOptions = { cooldownMs: 5000, failureThreshold: 3, windowMs: 60_000, maxCooldownMs: 60_000 };

interface KeyState {
  failures: number;
  lastFailure: number;
  until: number;
  /** The failure that started the current cooldown (what a skipped request is told). */
  cause?: string;
}

const MAX_KEYS = 1000;

export class Cooldowns {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly options: CooldownOptions = defaultCooldownOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Epoch ms until which the key is cooling down, or undefined. */
  until(key: string): number | undefined {
    const state = this.keys.get(key);
    return state && state.until > this.now() ? state.until : undefined;
  }

  /** The failure that started the key's current cooldown. */
  cause(key: string): string | undefined {
    return this.until(key) === undefined ? undefined : this.keys.get(key)?.cause;
  }

  /**
   * Records a failure (`cause`: what it was, kept for the requests the cooldown turns away). `now` cools
   * down at once (for `ms`, default cooldownMs); `count` cools down when the threshold is reached.
   * Returns the cooldown end when the key is (now) cooling down.
   */
  fail(key: string, mode: 'now' | 'count', ms?: number, cause?: string): number | undefined {
    const now = this.now();
    let state = this.keys.get(key);
    if (!state) {
      if (this.keys.size >= MAX_KEYS) this.prune(now);
      state = { failures: 0, lastFailure: 0, until: 0 };
      this.keys.set(key, state);
    }
    if (now - state.lastFailure > this.options.windowMs) state.failures = 0;
    state.failures++;
    state.lastFailure = now;
    if (mode === 'now' || state.failures >= this.options.failureThreshold) {
      if (state.until <= now || cause !== undefined) state.cause = cause;
      state.until = Math.max(state.until, now + Math.min(ms ?? this.options.cooldownMs, this.options.maxCooldownMs));
      state.failures = 0;
    }
    return state.until > now ? state.until : undefined;
  }

  succeed(key: string): void {
    this.keys.delete(key);
  }

  private prune(now: number): void {
    for (const [key, state] of this.keys) if (state.until <= now && now - state.lastFailure > this.options.windowMs) this.keys.delete(key);
    while (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value as string);
  }
}

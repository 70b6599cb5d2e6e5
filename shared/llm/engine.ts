/**
 * The strategy engine: one loop over a chain (primary, then each fallback). For each provider: its
 * key (workspace or platform), skipped while the key cools down; attempts with a timeout below the
 * deadline; retries of the same provider per the retry policy; then the next fallback. While fallbacks
 * remain, a provider's attempts and retry waits never use the time kept for them. Every attempt is
 * recorded — the caller sees which providers were tried and why each failed (or was left).
 *
 * `run` is the loop itself, over steps that say how to call one provider (the LLM tasks, and the audio
 * service's speech synthesis, which brings its own providers); `execute` runs an LLM task over a chain
 * of catalog models.
 */
import { performance } from 'node:perf_hooks';
import { IonfluxError } from '../errors';
import { moduleLogger } from '../observability/logger';
import { withinDeadline } from '../timing';
import type { ModelSpec, ResolvedTarget } from './catalog';
import type { Attempt, TaskInputs, TaskOutputs, TaskType } from './contract';
import type { Cooldowns } from './cooldown';
import type { CallOptions, LlmProvider, ProviderCredential, ProviderFailure, ProviderResult } from './provider';
import { describeFailure } from './errors';
import { redactSecrets } from './redact';
import { type Blame, classifyFailure, decideRetry, type FailureClass, fallbackReserve, type RetryPolicy } from './retry-policy';

const log = moduleLogger('llm');

export interface ResolvedCredential {
  credential: ProviderCredential;
  source: 'workspace' | 'platform';
  /** Secret name: identifies the key in cooldowns and logs (never the value). */
  secretName: string;
}

export interface ChainEntry {
  provider: LlmProvider;
  target: ResolvedTarget;
}

/** What the loop needs of a provider: its name (key label, cooldown key) and how to read its failures. */
export interface StrategyProvider {
  readonly name: string;
  classify(error: unknown): ProviderFailure;
}

/** One entry of a chain as the loop sees it: the provider, what the attempts report, and the call. */
export interface StrategyStep<P extends StrategyProvider, O, M> {
  provider: P;
  /** Reported as each attempt's `model` (a catalog model id, a voice id). */
  label: string;
  /** Carried to this step's attempt records (the catalog model, for pricing). */
  meta: M;
  /** One attempt: the provider call with this key, bounded by the options' timeout and signal. */
  invoke(credential: ProviderCredential, options: CallOptions): Promise<ProviderResult<O>>;
}

export interface EngineDeps<P extends StrategyProvider = LlmProvider> {
  /** The key for a provider on behalf of the request's workspace. */
  credentials(provider: P, workspaceId: string): Promise<ResolvedCredential>;
  /** Forget a cached key the provider rejected (an operator may have rotated it). */
  invalidateCredential(secretName: string): void;
  cooldowns: Cooldowns;
  policy: RetryPolicy;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** What a service hands its engine: the strategy's shared state (cooldowns, policy) and, in tests, time. */
export interface StrategyDeps {
  cooldowns: Cooldowns;
  policy: RetryPolicy;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * The engine of a service that resolves keys with `credentials` and whose rejected keys are dropped from
 * its secret cache (every service calling providers: LLM tasks, speech, transcription).
 */
export function keyedEngine<P extends StrategyProvider>(
  deps: StrategyDeps & { secrets: { invalidate(name: string): void } },
  credentials: EngineDeps<P>['credentials'],
): StrategyEngine<P> {
  return new StrategyEngine<P>({
    credentials,
    invalidateCredential: (name) => deps.secrets.invalidate(name),
    cooldowns: deps.cooldowns,
    policy: deps.policy,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
}

/** One attempt with what cost accounting needs besides the public record. */
export interface EngineAttempt {
  attempt: Attempt;
  model: ModelSpec;
  pricing?: ProviderResult<unknown>['pricing'];
}

interface OutcomeFacts {
  /** Time spent inside provider calls and retry waits (the rest is the gateway's own overhead). */
  providerMs: number;
  /** Why the providers failed (or were left), when none succeeded: the answer's status follows from it. */
  blames?: Blame[];
  /** Only the requests' own fault: every provider that answered rejected the request itself. */
  onlyRequestErrors?: boolean;
  /** Shortest wait a provider or a cooldown asked for, when the chain failed for availability. */
  retryAfterMs?: number;
  /** The chain ended at a provider that rejected the request itself (`stopOnRequestError`). */
  stoppedOnRequestError?: boolean;
  /**
   * Our own storage (the secret store, the workspace directory) was unavailable for some provider's key:
   * not the provider's fault, and worth retrying.
   */
  storageUnavailable?: boolean;
}

export interface EngineOutcome<T extends TaskType> extends OutcomeFacts {
  attempts: EngineAttempt[];
  success?: { entry: ChainEntry; result: ProviderResult<TaskOutputs[T]> };
}

/** One attempt of a `run`, with its step's meta. */
export interface StrategyAttempt<M> {
  attempt: Attempt;
  meta: M;
  pricing?: ProviderResult<unknown>['pricing'];
}

export interface StrategyOutcome<O, M> extends OutcomeFacts {
  attempts: Array<StrategyAttempt<M>>;
  /** The step that answered (its index in the chain) and its result. */
  success?: { index: number; result: ProviderResult<O> };
}

export interface RunOptions {
  workspaceId: string;
  /** Epoch ms by which every attempt and wait must be over. */
  deadline: number;
  /**
   * End the chain at the first provider that rejects the request itself (400/413/415/422: bad input,
   * unknown voice…) instead of trying the fallbacks with it. Default false: the LLM service's fallbacks
   * may accept what another provider refused (a larger image, JSON mode).
   */
  stopOnRequestError?: boolean;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The host an attempt talked to (from the base URL its client was given). */
const hostOf = (baseUrl: string): string => {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
};

/** A transport failure says which host it was: a network error or a timeout names where the client went. */
function namingHost(failure: ProviderFailure, host: string): ProviderFailure {
  if (failure.kind === 'network') return { ...failure, message: `could not reach ${host}: ${failure.message}` };
  if (failure.kind === 'timeout') return { ...failure, message: `${host}: ${failure.message}` };
  return failure;
}

export class StrategyEngine<P extends StrategyProvider = LlmProvider> {
  constructor(private readonly deps: EngineDeps<P>) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  /** Runs an LLM task over a chain of catalog models (primary, then fallbacks). */
  async execute<T extends TaskType>(
    this: StrategyEngine<LlmProvider>,
    task: T,
    input: TaskInputs[T],
    chain: ChainEntry[],
    call: { workspaceId: string; deadline: number },
  ): Promise<EngineOutcome<T>> {
    const steps = chain.map(
      (entry): StrategyStep<LlmProvider, TaskOutputs[T], ModelSpec> => ({
        provider: entry.provider,
        label: entry.target.model.id,
        meta: entry.target.model,
        invoke: (credential, options) => entry.provider.call(task, input, entry.target.model, credential, options),
      }),
    );
    const { attempts, success, ...facts } = await this.run(steps, call);
    return {
      ...facts,
      attempts: attempts.map(({ attempt, meta, pricing }) => ({ attempt, model: meta, ...(pricing ? { pricing } : {}) })),
      ...(success ? { success: { entry: chain[success.index]!, result: success.result } } : {}),
    };
  }

  /** The loop: each step in turn until one answers (see the file comment). */
  async run<O, M>(chain: Array<StrategyStep<P, O, M>>, call: RunOptions): Promise<StrategyOutcome<O, M>> {
    const { deadline } = call;
    const { policy, cooldowns } = this.deps;
    const attempts: Array<StrategyAttempt<M>> = [];
    let providerMs = 0;
    const blames = new Set<Blame>();
    let onlyRequestErrors = true;
    let storageUnavailable = false;
    const waits: number[] = [];
    const record = (entry: StrategyStep<P, O, M>, attempt: Omit<Attempt, 'provider' | 'model'>, extra: Pick<StrategyAttempt<M>, 'pricing'> = {}) =>
      attempts.push({ attempt: { provider: entry.provider.name, model: entry.label, ...attempt }, meta: entry.meta, ...extra });

    for (let index = 0; index < chain.length; index++) {
      const entry = chain[index]!;
      const hasFallback = index < chain.length - 1;

      let resolved: ResolvedCredential;
      try {
        // Reading the key (workspace settings, the secret) is bounded by the engine's deadline too: its AWS
        // calls are aborted then, and the time kept for publishing the usage event stays untouched.
        resolved = await withinDeadline(deadline, () => this.deps.credentials(entry.provider, call.workspaceId), { what: 'the key lookup' });
      } catch (error) {
        const code = error instanceof IonfluxError ? error.code : 'credential_error';
        const message = error instanceof Error ? error.message : String(error);
        // 503 from a store (secret store, workspace directory): our outage, not the key's; a retry may work.
        const outage = error instanceof IonfluxError && error.status === 503;
        log.warn('llm provider key unavailable', { provider: entry.provider.name, model: entry.label, code, reason: message });
        record(entry, { outcome: 'error', error_code: code, message, retryable: outage, latency_ms: 0, billed: false });
        if (outage) storageUnavailable = true;
        blames.add('upstream');
        onlyRequestErrors = false;
        continue;
      }
      // Provider-side health signals cool the key for everyone who uses it; failures a request may have
      // caused itself (timeouts, unreadable answers) only for this workspace (retry-policy.ts).
      const cooldownKey = `${entry.provider.name}|${resolved.secretName}`;
      const workspaceCooldownKey = `${cooldownKey}|${call.workspaceId}`;
      const keyCooling = cooldowns.until(cooldownKey);
      const workspaceCooling = keyCooling === undefined ? cooldowns.until(workspaceCooldownKey) : undefined;
      const cooling = keyCooling ?? workspaceCooling;
      if (cooling !== undefined) {
        const wait = cooling - this.now();
        const cause = cooldowns.cause(keyCooling !== undefined ? cooldownKey : workspaceCooldownKey);
        record(entry, {
          outcome: 'skipped',
          error_code: 'cooldown',
          message: `${
            keyCooling !== undefined
              ? `key ${resolved.secretName} is cooling down after repeated failures`
              : `key ${resolved.secretName} is cooling down for this workspace after repeated timeouts or unreadable answers`
          } (${Math.ceil(wait / 1000)} s left)${cause ? `; it began with ${cause}` : ''}`,
          retry_after_ms: wait,
          latency_ms: 0,
          key_source: resolved.source,
          billed: false,
        });
        waits.push(wait);
        blames.add('unavailable');
        onlyRequestErrors = false;
        continue;
      }

      // Time kept for the fallbacks, fixed when this provider's turn starts: its attempts and retry
      // waits all end by `cutoff`, so what a fallback gets is never given away (docs/llm.md).
      const reserve = fallbackReserve(deadline - this.now(), policy, hasFallback);
      const cutoff = deadline - reserve;
      for (let retries = 0; ; retries++) {
        const remaining = deadline - this.now();
        // Whole milliseconds: the SDKs refuse a fractional timeout.
        const budget = Math.floor(Math.min(policy.attemptTimeoutMs, cutoff - this.now()));
        if (budget < policy.minAttemptMs) {
          onlyRequestErrors = false;
          if (hasFallback) {
            record(entry, {
              outcome: 'skipped',
              error_code: 'fallback_reserve',
              message: `only ${Math.max(0, Math.round(remaining))} ms left before the deadline, ${Math.round(reserve)} ms of them kept for the fallbacks`,
              latency_ms: 0,
              key_source: resolved.source,
              billed: false,
            });
            blames.add('timeout');
            break;
          }
          record(entry, { outcome: 'skipped', error_code: 'deadline_exceeded', message: `only ${Math.max(0, remaining)} ms left before the deadline`, latency_ms: 0, key_source: resolved.source, billed: false });
          blames.add('timeout');
          return { attempts, providerMs, blames: [...blames], onlyRequestErrors: false, ...(waits.length ? { retryAfterMs: Math.min(...waits) } : {}), ...(storageUnavailable ? { storageUnavailable } : {}) };
        }

        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), budget);
        const started = performance.now();
        let failure: ProviderFailure;
        try {
          const result = await entry.invoke(resolved.credential, { timeoutMs: budget, signal: controller.signal });
          const latency = performance.now() - started;
          providerMs += latency;
          cooldowns.succeed(cooldownKey);
          cooldowns.succeed(workspaceCooldownKey);
          record(
            entry,
            {
              outcome: 'success',
              latency_ms: round(latency),
              key_source: resolved.source,
              billed: true,
              usage: result.usage,
              ...(result.requestId ? { provider_request_id: result.requestId } : {}),
            },
            result.pricing ? { pricing: result.pricing } : {},
          );
          return { attempts, providerMs, success: { index, result } };
        } catch (error) {
          failure = namingHost(controller.signal.aborted ? { kind: 'timeout', message: `no response within ${budget} ms` } : entry.provider.classify(error), hostOf(resolved.credential.baseUrl));
        } finally {
          clearTimeout(timer);
        }
        const latency = performance.now() - started;
        providerMs += latency;

        const cls = classifyFailure(failure);
        const message = redactSecrets(failure.message, [resolved.credential.apiKey]);
        const decision = decideRetry(cls, failure, retries, this.now(), deadline, policy, this.deps.random, reserve);
        const attempt: Omit<Attempt, 'provider' | 'model'> = {
          outcome: 'error',
          ...(failure.status !== undefined ? { status: failure.status } : {}),
          error_code: cls.code,
          ...(failure.providerCode ? { provider_error_code: failure.providerCode } : {}),
          message,
          retryable: cls.retryable,
          ...(failure.retryAfterMs !== undefined ? { retry_after_ms: failure.retryAfterMs } : {}),
          ...(!decision.retry && decision.reason !== 'not_retryable' ? { not_retried: decision.reason } : {}),
          latency_ms: round(latency),
          key_source: resolved.source,
          ...(failure.requestId ? { provider_request_id: failure.requestId } : {}),
          billed: failure.billedUsage !== undefined,
          ...(failure.billedUsage ? { usage: failure.billedUsage } : {}),
        };
        record(entry, attempt);
        blames.add(cls.blame);
        if (cls.blame !== 'request') onlyRequestErrors = false;
        const cause = describeFailure({ provider: entry.provider.name, model: entry.label, ...attempt });
        this.coolDown(cls.cooldown === 'workspace' ? workspaceCooldownKey : cooldownKey, cls, failure, decision.retry, cause);
        if (cls.code === 'authentication_failed') this.deps.invalidateCredential(resolved.secretName);
        log.warn('llm provider attempt failed', {
          provider: entry.provider.name,
          model: entry.label,
          secret_name: resolved.secretName,
          status: failure.status,
          code: cls.code,
          provider_code: failure.providerCode,
          reason: message,
          retry: decision.retry ? decision.delayMs : decision.reason,
        });
        if (!decision.retry) {
          if (cls.blame === 'unavailable' && failure.retryAfterMs !== undefined) waits.push(failure.retryAfterMs);
          if (cls.blame === 'request' && call.stopOnRequestError) {
            return { attempts, providerMs, blames: [...blames], onlyRequestErrors, stoppedOnRequestError: true };
          }
          break;
        }
        const pause = performance.now();
        await (this.deps.sleep ?? sleepFor)(decision.delayMs);
        providerMs += performance.now() - pause;
      }
    }
    return {
      attempts,
      providerMs,
      ...(blames.size ? { blames: [...blames] } : {}),
      onlyRequestErrors: onlyRequestErrors && attempts.length > 0,
      ...(waits.length ? { retryAfterMs: Math.min(...waits) } : {}),
      ...(storageUnavailable ? { storageUnavailable } : {}),
    };
  }

  /** Cooldown bookkeeping: keys that cannot work now, or keep failing, are set aside for a while (with the failure that did it). */
  private coolDown(key: string, cls: FailureClass, failure: ProviderFailure, retrying: boolean, cause: string): void {
    if (cls.cooldown === 'none') return;
    // A rate limit whose wait we did not take (no time for it, or it would eat the fallbacks' time): the
    // key is unusable for that long anyway.
    if (!retrying && cls.code === 'rate_limited' && failure.retryAfterMs !== undefined && failure.retryAfterMs > 0) {
      this.deps.cooldowns.fail(key, 'now', failure.retryAfterMs, cause);
      return;
    }
    this.deps.cooldowns.fail(key, cls.cooldown === 'now' ? 'now' : 'count', undefined, cause);
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The LLM service of this execution environment: the SecretResolver, the outbox publisher (usage events
 * reach Kafka through outbox-drain: the LLM functions stay out of the VPC and never load kafkajs), the
 * cooldowns (shared by every LLM function of the process) and the settings below. Each function passes the
 * providers of its task, so a function bundles only the SDKs it calls.
 *
 * Settings (environment, all optional):
 *   IONFLUX_LLM_MAX_RETRIES           retries of the same provider (default 2)
 *   IONFLUX_LLM_ATTEMPT_TIMEOUT_MS    longest single provider call (default 25000; capped by the deadline)
 *   IONFLUX_LLM_BACKOFF_BASE_MS       first backoff when the provider names no wait (default 250)
 *   IONFLUX_LLM_COOLDOWN_SECONDS      how long a failing key is set aside (default 5)
 *   IONFLUX_LLM_INPUT_TIMEOUT_MS      fetching audio_input_url / image_input_url (default 10000)
 */
import { config } from '../config/env';
import { InvalidConfigError } from '../config/errors';
import { modelCatalog } from '../llm/catalog';
import { Cooldowns, defaultCooldownOptions } from '../llm/cooldown';
import { mediaFetcher } from '../llm/inputs';
import { baseUrlGuard, guardedFetch } from '../llm/network-guard';
import type { LlmProvider } from '../llm/provider';
import { defaultRetryPolicy, type RetryPolicy } from '../llm/retry-policy';
import { LlmService } from '../llm/service';
import { outboxPublisher } from './outbox';
import { perEnvironment } from './per-environment';
import { secretResolver } from './secrets';

/** A number ≥ 0 from the environment, or `fallback` when unset (other runtime modules read theirs the same way). */
export function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new InvalidConfigError(name, `must be a number ≥ 0 (got "${raw}")`);
  return value;
}

export const llmSettings = perEnvironment(() => {
  const policy: RetryPolicy = {
    ...defaultRetryPolicy,
    maxRetries: setting('IONFLUX_LLM_MAX_RETRIES', defaultRetryPolicy.maxRetries),
    attemptTimeoutMs: setting('IONFLUX_LLM_ATTEMPT_TIMEOUT_MS', defaultRetryPolicy.attemptTimeoutMs),
    baseDelayMs: setting('IONFLUX_LLM_BACKOFF_BASE_MS', defaultRetryPolicy.baseDelayMs),
  };
  policy.minAttemptMs = Math.min(policy.minAttemptMs, policy.attemptTimeoutMs);
  return {
    policy,
    cooldownMs: setting('IONFLUX_LLM_COOLDOWN_SECONDS', defaultCooldownOptions.cooldownMs / 1000) * 1000,
    inputTimeoutMs: setting('IONFLUX_LLM_INPUT_TIMEOUT_MS', 10_000),
  };
});

export const llmCooldowns = perEnvironment(() => new Cooldowns({ ...defaultCooldownOptions, cooldownMs: llmSettings().cooldownMs }));

export const llmInputs = perEnvironment(() => {
  const { localMode } = config();
  return {
    fetchMedia: mediaFetcher({ localMode, timeoutMs: llmSettings().inputTimeoutMs }),
    vetBaseUrl: baseUrlGuard({ localMode }),
    workspaceFetch: guardedFetch({ localMode, what: 'the workspace base_url' }),
  };
});

/** The service for one function's providers, created once per execution environment. */
export function llmService(providers: readonly LlmProvider[]): () => LlmService {
  return perEnvironment(
    () =>
      new LlmService({
        catalog: modelCatalog(),
        providers,
        secrets: secretResolver(),
        publisher: outboxPublisher(),
        cooldowns: llmCooldowns(),
        ...llmInputs(),
        policy: llmSettings().policy,
        source: config().serviceName,
      }),
  );
}

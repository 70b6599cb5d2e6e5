/**
 * Usage and cost: each billed attempt priced from the catalog, summed into the response's `usage` and
 * the `llm.usage.recorded` PlatformEvent (one per call, on `ionflux.platform.llm_usage`).
 */
import type { ModelPrice } from './catalog';
import type { Attempt, ProviderUsage, TaskType, Usage } from './contract';
import type { EngineAttempt } from './engine';

const PER_MILLION = 1_000_000;
const roundUsd = (usd: number) => Math.round(usd * 1e10) / 1e10;

/** Cost in USD of one billed attempt, from its usage and the model's prices. */
export function costOf(usage: ProviderUsage, price: ModelPrice, pricing?: { imageQuality?: string; imageSize?: string }): number {
  const input = usage.input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  const hasTokens = input > 0 || output > 0;
  let usd = 0;
  if (hasTokens) {
    const base = price.input_per_mtok ?? 0;
    const cached = usage.cached_input_tokens ?? 0;
    const written = usage.cache_write_tokens ?? 0;
    const audio = usage.audio_input_tokens ?? 0;
    const image = usage.image_input_tokens ?? 0;
    const plain = Math.max(0, input - cached - written - audio - image);
    usd +=
      (plain * base +
        cached * (price.cached_input_per_mtok ?? base) +
        written * (price.cache_write_per_mtok ?? base) +
        audio * (price.audio_input_per_mtok ?? base) +
        image * (price.image_input_per_mtok ?? base) +
        output * (price.output_per_mtok ?? 0)) /
      PER_MILLION;
  } else if (usage.images && price.per_image) {
    const quality = price.per_image[pricing?.imageQuality ?? ''] ?? price.per_image.medium ?? Object.values(price.per_image)[0];
    const each = quality?.[pricing?.imageSize ?? ''] ?? quality?.['1024x1024'] ?? 0;
    usd += usage.images * each;
  } else if (usage.seconds && price.per_minute) {
    usd += (usage.seconds / 60) * price.per_minute;
  }
  return roundUsd(usd);
}

/** Prices every billed attempt in place (attempt.cost_usd) and returns the total. */
export function priceAttempts(attempts: EngineAttempt[]): number {
  let total = 0;
  for (const { attempt, model, pricing } of attempts) {
    if (!attempt.billed || !attempt.usage) continue;
    attempt.cost_usd = costOf(attempt.usage, model.price, pricing);
    total += attempt.cost_usd;
  }
  return roundUsd(total);
}

/** The response's `usage`: the successful attempt's units, the cost of every billed attempt. */
export function responseUsage(success: ProviderUsage | undefined, costUsd: number): Usage {
  const input = success?.input_tokens ?? 0;
  const output = success?.output_tokens ?? 0;
  const usage: Usage = { input_tokens: input, output_tokens: output, total_tokens: input + output, cost_usd: costUsd };
  if (success?.cached_input_tokens) usage.cached_input_tokens = success.cached_input_tokens;
  if (success?.seconds !== undefined) usage.seconds = success.seconds;
  if (success?.images !== undefined) usage.images = success.images;
  if (success?.estimated) usage.estimated = true;
  return usage;
}

export const USAGE_EVENT_TYPE = 'llm.usage.recorded';

export interface UsageEventInput {
  requestId: string;
  workspaceId: string;
  task: TaskType;
  status: 'success' | 'error';
  /** Why a call whose provider answered still failed for the caller (e.g. response_too_large). */
  errorCode?: string;
  provider?: string;
  model?: string;
  requestedModel: string;
  keySource?: 'workspace' | 'platform';
  usage: Usage;
  attempts: Attempt[];
  latencyMs: number;
  catalogVersion: string;
  metadata?: Record<string, string>;
  callerArn?: string;
}

function costByKeySource(attempts: Attempt[]): Record<'workspace' | 'platform', number> {
  const out = { workspace: 0, platform: 0 };
  for (const a of attempts) if (a.key_source && a.cost_usd) out[a.key_source] = roundUsd(out[a.key_source] + a.cost_usd);
  return out;
}

/** payload_json of `llm.usage.recorded`. */
export function usagePayload(input: UsageEventInput): Record<string, unknown> {
  return {
    request_id: input.requestId,
    task_type: input.task,
    status: input.status,
    error_code: input.errorCode ?? null,
    provider: input.provider ?? null,
    model: input.model ?? null,
    requested_model: input.requestedModel,
    key_source: input.keySource ?? null,
    usage: input.usage,
    cost_usd: input.usage.cost_usd,
    // Who paid what: a fallback may mix the workspace's key and the platform's (key_source is the winner's).
    cost_usd_by_key_source: costByKeySource(input.attempts),
    currency: 'USD',
    price_catalog_version: input.catalogVersion,
    billed_attempts: input.attempts.filter((a) => a.billed).length,
    attempts: input.attempts.map((a) => ({
      provider: a.provider,
      model: a.model,
      outcome: a.outcome,
      status: a.status ?? null,
      error_code: a.error_code ?? null,
      key_source: a.key_source ?? null,
      latency_ms: a.latency_ms,
      billed: a.billed,
      usage: a.usage ?? null,
      cost_usd: a.cost_usd ?? 0,
    })),
    latency_ms: input.latencyMs,
    ...(input.metadata ? { metadata: input.metadata } : {}),
    ...(input.callerArn ? { caller_arn: input.callerArn } : {}),
  };
}

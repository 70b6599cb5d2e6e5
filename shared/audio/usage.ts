/**
 * Usage of the audio service: one `audio.usage.recorded` PlatformEvent per call on
 * `ionflux.platform.audio_usage` (key: the workspace id; event id derived from the request id), success
 * or not, cached or not — characters synthesised or seconds transcribed, the provider, the cost when the
 * provider has a list price — written through the durable outbox like the LLM usage events.
 */
import { errorMessage } from '../errors';
import { createPlatformEvent } from '../events/platform-event';
import type { OutgoingEvent } from '../events/publisher';
import { topics } from '../events/topics';
import type { Attempt } from '../llm/contract';
import { moduleLogger } from '../observability/logger';
import type { AudioAttempt } from './errors';

const log = moduleLogger('audio');

export const AUDIO_USAGE_EVENT_TYPE = 'audio.usage.recorded';
export const audioUsageTopic = (): string => topics.platform('audio_usage');

export interface AudioUsage {
  requestId: string;
  workspaceId: string;
  operation: 'generate_speech' | 'transcribe';
  status: 'success' | 'error';
  errorCode?: string;
  provider?: string;
  /** The voice that spoke, or the transcription model. */
  voiceId?: string;
  requestedVoiceId?: string;
  model?: string;
  format?: string;
  cached: boolean;
  /** Characters the providers synthesised (and bill) for this call, over every attempt. */
  characters?: number;
  /** Seconds of audio produced or transcribed. */
  seconds?: number;
  /** USD at list prices; null when a provider billed without one (plan credits). */
  costUsd: number | null;
  keySource?: 'workspace' | 'platform';
  attempts: AudioAttempt[];
  latencyMs: number;
  catalogVersion: string;
  metadata?: Record<string, string>;
  callerArn?: string;
}

export function audioUsagePayload(u: AudioUsage): Record<string, unknown> {
  return {
    request_id: u.requestId,
    operation: u.operation,
    status: u.status,
    error_code: u.errorCode ?? null,
    provider: u.provider ?? null,
    voice_id: u.voiceId ?? null,
    requested_voice_id: u.requestedVoiceId ?? null,
    model: u.model ?? null,
    format: u.format ?? null,
    cached: u.cached,
    characters: u.characters ?? 0,
    seconds: u.seconds ?? null,
    cost_usd: u.costUsd,
    currency: 'USD',
    price_catalog_version: u.catalogVersion,
    key_source: u.keySource ?? null,
    attempts: u.attempts,
    latency_ms: u.latencyMs,
    ...(u.metadata ? { metadata: u.metadata } : {}),
    ...(u.callerArn ? { caller_arn: u.callerArn } : {}),
  };
}

export interface UsagePublisher {
  publish(events: OutgoingEvent[], options: { deadline: number }): Promise<unknown>;
}

/**
 * Publishes the usage event. A failure is logged with the whole record, never thrown: the provider has
 * answered (and billed), so the caller gets the audio rather than a retry that would be paid twice.
 */
export async function publishAudioUsage(publisher: UsagePublisher, source: string, usage: AudioUsage, deadline: number): Promise<void> {
  try {
    const event = createPlatformEvent({ idParts: [usage.requestId], eventType: AUDIO_USAGE_EVENT_TYPE, workspaceId: usage.workspaceId, source, payload: audioUsagePayload(usage) });
    await publisher.publish([{ topic: audioUsageTopic(), key: usage.workspaceId, event }], { deadline });
  } catch (error) {
    log.error('audio usage event could not be published', { reason: errorMessage(error), usage_event: audioUsagePayload(usage) });
  }
}

/** An engine attempt as the audio responses report it. */
export function audioAttempt(a: Attempt, what: 'voice_id' | 'model'): AudioAttempt {
  return {
    provider: a.provider,
    [what]: a.model,
    outcome: a.outcome,
    ms: Math.round(a.latency_ms * 100) / 100,
    ...(a.status !== undefined ? { status: a.status } : {}),
    ...(a.error_code ? { error_code: a.error_code } : {}),
    ...(a.provider_error_code ? { provider_error_code: a.provider_error_code } : {}),
    ...(a.message ? { message: a.message } : {}),
    ...(a.retryable !== undefined ? { retryable: a.retryable } : {}),
    ...(a.not_retried ? { not_retried: a.not_retried } : {}),
    ...(a.key_source ? { key_source: a.key_source } : {}),
    ...(a.provider_request_id ? { provider_request_id: a.provider_request_id } : {}),
  };
}

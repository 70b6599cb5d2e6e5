/**
 * The audio services of this execution environment: the audio store (S3 when AWS is enabled — in
 * Lambda and against moto —, else files under IONFLUX_HOME/audio served by the local runtime), the
 * SecretResolver, the outbox publisher (usage events reach Kafka through outbox-drain: the audio
 * functions stay out of the VPC), and the LLM strategy engine's settings and cooldowns (a key that
 * fails for the LLM functions fails for speech too).
 *
 * Settings (environment, all optional):
 *   IONFLUX_AUDIO_URL_TTL_SECONDS   lifetime of audio URLs (default 3600; at most 7 days)
 *   IONFLUX_BUCKET_AUDIO            the bucket (the CDK app sets it; default <prefix>-audio)
 *   IONFLUX_PUBLIC_BASE_URL         origin of local audio URLs (default: the local runtime's own)
 */
import path from 'node:path';
import { S3AudioStore, MAX_PRESIGN_SECONDS } from '../audio/s3-audio-store';
import { LocalFileAudioStore } from '../audio/local-file-audio-store';
import type { AudioStore } from '../audio/audio-store';
import type { SpeechProvider } from '../audio/speech-provider';
import { SpeechService } from '../audio/speech-service';
import { TranscriptionService } from '../audio/transcription-service';
import { type AudioProviderName, voiceCatalog } from '../audio/voices';
import { config } from '../config/env';
import { InvalidConfigError } from '../config/errors';
import { bucketEnvironmentVariable, buckets, physicalName } from '../config/resources';
import { modelCatalog } from '../llm/catalog';
import type { LlmProvider } from '../llm/provider';
import { llmCooldowns, llmInputs, llmSettings } from './llm';
import { outboxPublisher } from './outbox';
import { perEnvironment } from './per-environment';
import { s3Client } from './s3';
import { secretResolver } from './secrets';

let localOrigin: string | undefined;

/** The local runtime says where it listens, so local audio URLs point at it. */
export function setLocalAudioOrigin(origin: string): void {
  localOrigin = origin;
}

export const audioSettings = perEnvironment(() => {
  const raw = process.env.IONFLUX_AUDIO_URL_TTL_SECONDS;
  const ttl = raw === undefined || raw === '' ? 3600 : Number(raw);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_PRESIGN_SECONDS) {
    throw new InvalidConfigError('IONFLUX_AUDIO_URL_TTL_SECONDS', `must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS} (got "${raw}")`);
  }
  const retentionMs = buckets.audio.retentionDays * 86_400_000;
  return {
    urlTtlSeconds: ttl,
    bucket: process.env[bucketEnvironmentVariable('audio')] || physicalName(config().resourcePrefix, 'audio'),
    // A cached file is served only while a URL signed now expires a day before the lifecycle rule deletes it.
    cacheMaxAgeMs: retentionMs - ttl * 1000 - 86_400_000,
  };
});

export const audioStore = perEnvironment((): AudioStore => {
  const cfg = config();
  if (cfg.aws.enabled) return new S3AudioStore(s3Client(), audioSettings().bucket);
  return new LocalFileAudioStore(path.join(cfg.home, 'audio'), () => process.env.IONFLUX_PUBLIC_BASE_URL || localOrigin || `http://127.0.0.1:${process.env.PORT || 3000}`);
});

/** What both audio services take from this environment: keys, the outbox, the engine's settings and cooldowns. */
const serviceDeps = () => ({
  secrets: secretResolver(),
  ...llmInputs(),
  publisher: outboxPublisher(),
  cooldowns: llmCooldowns(),
  policy: llmSettings().policy,
  source: config().serviceName,
});

/** The text-to-speech service for one function's providers, created once per execution environment. */
export function speechService(providers: Partial<Record<AudioProviderName, SpeechProvider>>): () => SpeechService {
  return perEnvironment(() => {
    const settings = audioSettings();
    return new SpeechService({
      catalog: voiceCatalog(),
      providers,
      store: audioStore(),
      ...serviceDeps(),
      urlTtlSeconds: settings.urlTtlSeconds,
      cacheMaxAgeMs: settings.cacheMaxAgeMs,
    });
  });
}

/** The transcription service (the LLM OpenAI provider), created once per execution environment. */
export function transcriptionService(openai: LlmProvider): () => TranscriptionService {
  return perEnvironment(
    () =>
      new TranscriptionService({
        catalog: modelCatalog(),
        openai,
        ...serviceDeps(),
      }),
  );
}

/**
 * The audio service's internal contract (seed §7): `POST /v1/audio/generate-speech` and
 * `POST /v1/audio/transcribe`, what AgentService sends and gets back.
 */
import * as z from 'zod/mini';
import { WORKSPACE_ID } from '../workspaces/workspace-id';
import type { AudioAttempt } from './errors';
import { OUTPUT_FORMATS, type OutputFormat } from './formats';
import { AUDIO_PROVIDERS } from './voices';

/** Longest text one request speaks (about 20 minutes of speech); split it into several requests beyond. */
export const MAX_TEXT_CHARACTERS = 20_000;

const Metadata = z.record(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'metadata keys are 1–64 letters, digits, "_", "." or "-"')), z.string().check(z.maxLength(256)));
const common = {
  workspace_id: z.string().check(z.regex(WORKSPACE_ID, 'must be 1–64 letters, digits, "_" or "-"')),
  /** BCP-47 (`en-US`, `pt-BR`) or ISO-639-1 (`en`). */
  language: z.optional(z.string().check(z.regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$/, 'must be a language tag such as "en-US" or "pt"'))),
  /** Caller's attribution (agent_id, run_id…), copied into the usage event. ≤ 16 entries. */
  metadata: z.optional(Metadata.check(z.refine((m) => Object.keys(m).length <= 16, 'at most 16 metadata entries'))),
};

export const GenerateSpeechRequestSchema = z.strictObject({
  ...common,
  text: z.string().check(z.minLength(1), z.maxLength(MAX_TEXT_CHARACTERS)),
  voice_id: z.string().check(z.minLength(1), z.maxLength(200)),
  /** Providers to try, in order (default: the voice's provider, then azure, elevenlabs, openai, coqui). */
  provider_preference: z.optional(z.array(z.enum(AUDIO_PROVIDERS)).check(z.minLength(1), z.maxLength(AUDIO_PROVIDERS.length))),
  output_format: z.optional(z.enum(OUTPUT_FORMATS)),
});

export const TRANSCRIPTION_PROVIDERS = ['openai_whisper', 'openai'] as const;

export const TranscribeRequestSchema = z.strictObject({
  ...common,
  audio_url: z.optional(z.string().check(z.minLength(1), z.maxLength(8192))),
  /** The audio itself, base64 (standard or URL-safe alphabet); bounded by the 6 MB request. */
  audio_base64: z.optional(z.string().check(z.minLength(1))),
  /** `openai_whisper` (the seed's name) and `openai` are the same provider. */
  provider: z.optional(z.enum(TRANSCRIPTION_PROVIDERS)),
  /** A speech-to-text model of the model catalog (default whisper-1; gpt-4o-transcribe, gpt-4o-mini-transcribe). */
  model: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  /** Words or spelling to expect (names, products). */
  prompt: z.optional(z.string().check(z.maxLength(4000))),
});

export type GenerateSpeechRequest = z.infer<typeof GenerateSpeechRequestSchema>;
export type TranscribeRequest = z.infer<typeof TranscribeRequestSchema>;

export interface GenerateSpeechResponse {
  status: 'success';
  request_id: string;
  /** A presigned GET URL (S3), or a signed local URL (`npm run dev`): never public, expires at expires_at. */
  audio_url: string;
  expires_at: string;
  /** Measured from the audio. */
  duration_seconds: number;
  provider: string;
  /** The voice that spoke (a fallback's equivalent voice when the requested provider failed). */
  voice_id: string;
  requested_voice_id: string;
  language: string;
  format: OutputFormat;
  content_type: string;
  bytes: number;
  /** The audio came from the per-workspace cache: no provider was called. */
  cached: boolean;
  /** Characters synthesised for this request (0 when cached). */
  characters: number;
  cost_usd: number | null;
  attempts: AudioAttempt[];
  latency_ms: number;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

export interface TranscribeResponse {
  status: 'success';
  request_id: string;
  transcript: string;
  /** ISO-639-1 of the speech (the request's, or what the model detected). */
  language: string | null;
  /** 0–1, from the model's log-probabilities (docs/audio.md); null when the model reports none. */
  confidence: number | null;
  duration_seconds: number | null;
  segments?: TranscriptSegment[];
  provider: 'openai_whisper' | 'openai';
  model: string;
  cost_usd: number | null;
  attempts: AudioAttempt[];
  latency_ms: number;
}

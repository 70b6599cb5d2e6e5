/**
 * The text-to-speech provider contract, in the LLM providers' shape: each provider is one folder under
 * providers/<name>/ with a declarative description of its API (api.ts: secret, base URL, auth, endpoint,
 * formats, request limits, how to build its client and read its errors) and one transform for the task
 * (text-to-speech.ts: request map → one HTTP or SDK call → audio bytes). `defineSpeechProvider` wires
 * them into what the audio service calls through the LLM strategy engine. Providers import this file,
 * never the service or the engine's loop.
 */
import type { KeyedProvider } from '../llm/credentials';
import type { StrategyProvider } from '../llm/engine';
import { type CallOptions, classifyProviderError, clientsByCredential, type ProviderCredential, type ProviderFailure } from '../llm/provider';
import type { OutputFormat } from './formats';
import type { AudioProviderName, Voice } from './voices';

/** How a provider produces one of our formats: its own name for it, and raw PCM to be wrapped as WAV. */
export interface ProviderFormat {
  name: string;
  /** The answer is headerless 16-bit PCM at this rate (ElevenLabs' pcm_*): the service wraps it as WAV. */
  pcmSampleRate?: number;
}

/** One upstream request: a chunk of the text, the provider's voice, the locale, the format. */
export interface SpeechChunk {
  text: string;
  voice: Voice;
  /** The locale spoken (`en-US`). */
  language: string;
  format: ProviderFormat;
  /** The provider's model, from the voice catalog (ElevenLabs model_id, OpenAI TTS model). */
  model?: string;
  /** The text of the chunks before and after this one, when the text was split (for intonation). */
  previousText?: string;
  nextText?: string;
}

export interface SpeechAudio {
  audio: Buffer;
  requestId?: string;
}

/** The declarative description of a TTS API. */
export interface SpeechProviderApi<Client> extends KeyedProvider {
  name: AudioProviderName;
  /** How the key travels (documentation; the transform sends it). */
  auth: string;
  /** The endpoint (documentation and the fakes' routes). */
  endpoint: string;
  /** Characters one request takes (longer text is split at sentence boundaries). */
  maxChunkCharacters: number;
  /** Chunks of one text synthesised at once (the provider's concurrency limits, a server's lock). */
  concurrency: number;
  /** Our formats it can produce, by its own names; a format it cannot produce is absent. */
  formats: Partial<Record<OutputFormat, ProviderFormat>>;
  createClient(credential: ProviderCredential): Client;
  classifyError(error: unknown): ProviderFailure;
}

/** The task's transform: one chunk → the provider's request → one call → audio bytes. */
export interface SpeechTransform<Client, Body> {
  toRequest(chunk: SpeechChunk): Body;
  /** The call (no retries of its own; timeout and abort signal from options). */
  send(client: Client, body: Body, options: CallOptions): Promise<SpeechAudio>;
}

/** What the audio service calls. */
export interface SpeechProvider extends StrategyProvider {
  readonly name: AudioProviderName;
  readonly keyed: KeyedProvider;
  readonly endpoint: string;
  readonly maxChunkCharacters: number;
  readonly concurrency: number;
  format(format: OutputFormat): ProviderFormat | undefined;
  synthesize(chunk: SpeechChunk, credential: ProviderCredential, options: CallOptions): Promise<SpeechAudio>;
}

export function defineSpeechProvider<Client, Body>(api: SpeechProviderApi<Client>, transform: SpeechTransform<Client, Body>): SpeechProvider {
  const clientFor = clientsByCredential(api.createClient);
  return {
    name: api.name,
    keyed: {
      label: api.label,
      ...(api.defaultBaseUrl !== undefined ? { defaultBaseUrl: api.defaultBaseUrl } : {}),
      ...(api.keyRequired !== undefined ? { keyRequired: api.keyRequired } : {}),
    },
    endpoint: api.endpoint,
    maxChunkCharacters: api.maxChunkCharacters,
    concurrency: api.concurrency,
    format: (format) => api.formats[format],
    synthesize: (chunk, credential, options) => transform.send(clientFor(credential), transform.toRequest(chunk), options),
    classify: (error) => classifyProviderError(error, api.classifyError),
  };
}

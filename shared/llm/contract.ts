/**
 * The internal LLM contract (seed §1.3): what AgentService sends to `POST /v1/llm/<task>` and what it
 * gets back, plus the normalised shapes the engine and the providers exchange. Providers and the engine
 * both import this file; neither imports the other.
 */
import * as z from 'zod/mini';
import { WORKSPACE_ID } from '../workspaces/workspace-id';

export const TASK_TYPES = ['text_generation', 'embedding', 'speech_to_text', 'image_understanding', 'image_generation'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Route segment of each task: `/v1/llm/text-generation` … */
export const taskRoute = (task: TaskType): string => `/v1/llm/${task.replace(/_/g, '-')}`;

// ---------------------------------------------------------------------------------------------------
// Request schemas (zod/mini). Strict: a misspelt field is a 400, not a silently ignored option.

const ModelId = z.string().check(z.minLength(1), z.maxLength(128));
const ProviderId = z.string().check(z.minLength(1), z.maxLength(64));

const Target = z.strictObject({ provider: z.optional(ProviderId), model: ModelId });

const Metadata = z.record(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'metadata keys are 1–64 letters, digits, "_", "." or "-"')), z.string().check(z.maxLength(256)));

const common = {
  workspace_id: z.string().check(z.regex(WORKSPACE_ID, 'must be 1–64 letters, digits, "_" or "-"')),
  provider: z.optional(ProviderId),
  model: ModelId,
  /** Ordered fallbacks tried after the primary fails (up to 4). */
  fallback: z.optional(z.array(Target).check(z.maxLength(4))),
  /** Caller's attribution (agent_id, run_id…), copied into the usage event. ≤ 16 entries. */
  metadata: z.optional(Metadata.check(z.refine((m) => Object.keys(m).length <= 16, 'at most 16 metadata entries'))),
};

const Text = z.string().check(z.minLength(1), z.maxLength(1_000_000));
const Temperature = z.number().check(z.gte(0), z.lte(2));
const Stop = z.union([z.string().check(z.minLength(1)), z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(4))]);

const MessageSchema = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.string().check(z.maxLength(1_000_000)),
});

const textParameters = {
  max_tokens: z.optional(z.int().check(z.gte(1), z.lte(1_000_000))),
  temperature: z.optional(Temperature),
  top_p: z.optional(z.number().check(z.gte(0), z.lte(1))),
  stop: z.optional(Stop),
  presence_penalty: z.optional(z.number().check(z.gte(-2), z.lte(2))),
  frequency_penalty: z.optional(z.number().check(z.gte(-2), z.lte(2))),
  seed: z.optional(z.int()),
  response_format: z.optional(z.enum(['text', 'json_object'])),
};

export const TextGenerationRequestSchema = z.strictObject({
  ...common,
  task_type: z.optional(z.literal('text_generation')),
  prompt: z.optional(Text),
  messages: z.optional(z.array(MessageSchema).check(z.minLength(1), z.maxLength(1000))),
  parameters: z.optional(z.strictObject(textParameters)),
});

export const EmbeddingRequestSchema = z.strictObject({
  ...common,
  task_type: z.optional(z.literal('embedding')),
  text_to_embed: z.union([Text, z.array(Text).check(z.minLength(1), z.maxLength(2048))]),
  parameters: z.optional(
    z.strictObject({
      dimensions: z.optional(z.int().check(z.gte(1), z.lte(8192))),
      encoding_format: z.optional(z.enum(['float', 'base64'])),
    }),
  ),
});

const InputUrl = z.string().check(z.minLength(1), z.maxLength(8 * 1024 * 1024));

export const SpeechToTextRequestSchema = z.strictObject({
  ...common,
  task_type: z.optional(z.literal('speech_to_text')),
  audio_input_url: InputUrl,
  parameters: z.optional(
    z.strictObject({
      language: z.optional(z.string().check(z.regex(/^[a-z]{2,3}$/, 'must be an ISO-639-1 code such as "en"'))),
      prompt: z.optional(z.string().check(z.maxLength(4000))),
      temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
    }),
  ),
});

export const ImageUnderstandingRequestSchema = z.strictObject({
  ...common,
  task_type: z.optional(z.literal('image_understanding')),
  image_input_url: InputUrl,
  prompt: z.optional(Text),
  parameters: z.optional(z.strictObject({ ...textParameters, detail: z.optional(z.enum(['low', 'high', 'auto'])) })),
});

export const ImageGenerationRequestSchema = z.strictObject({
  ...common,
  task_type: z.optional(z.literal('image_generation')),
  prompt: z.string().check(z.minLength(1), z.maxLength(32_000)),
  parameters: z.optional(
    z.strictObject({
      n: z.optional(z.int().check(z.gte(1), z.lte(4))),
      /** DALL·E 3 sizes are accepted and mapped to the nearest current size. */
      size: z.optional(z.enum(['auto', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'])),
      /** `standard`/`hd` (DALL·E 3 names) map to `medium`/`high`. */
      quality: z.optional(z.enum(['auto', 'low', 'medium', 'high', 'standard', 'hd'])),
      output_format: z.optional(z.enum(['png', 'jpeg', 'webp'])),
      background: z.optional(z.enum(['auto', 'transparent', 'opaque'])),
    }),
  ),
});

export const requestSchemas = {
  text_generation: TextGenerationRequestSchema,
  embedding: EmbeddingRequestSchema,
  speech_to_text: SpeechToTextRequestSchema,
  image_understanding: ImageUnderstandingRequestSchema,
  image_generation: ImageGenerationRequestSchema,
} as const;

export type TextGenerationRequest = z.infer<typeof TextGenerationRequestSchema>;
export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;
export type SpeechToTextRequest = z.infer<typeof SpeechToTextRequestSchema>;
export type ImageUnderstandingRequest = z.infer<typeof ImageUnderstandingRequestSchema>;
export type ImageGenerationRequest = z.infer<typeof ImageGenerationRequestSchema>;

export interface LlmRequests {
  text_generation: TextGenerationRequest;
  embedding: EmbeddingRequest;
  speech_to_text: SpeechToTextRequest;
  image_understanding: ImageUnderstandingRequest;
  image_generation: ImageGenerationRequest;
}
export type LlmRequest<T extends TaskType = TaskType> = LlmRequests[T];

// ---------------------------------------------------------------------------------------------------
// Normalised inputs: what a provider transform receives (inputs by URL already fetched and checked).

export type ChatRole = 'system' | 'user' | 'assistant';
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface TextParameters {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
  response_format?: 'text' | 'json_object';
}

/** Bytes fetched from an input URL, with the media type their content was recognised as. */
export interface MediaInput {
  bytes: Buffer;
  mediaType: string;
  /** A file name with the right extension (multipart uploads want one). */
  filename: string;
}

export interface TextGenerationInput {
  messages: ChatMessage[];
  parameters: TextParameters;
}

export interface EmbeddingInput {
  texts: string[];
  /** `text_to_embed` was a single string: answer `embedding`, not `embeddings`. */
  single: boolean;
  dimensions?: number;
  encodingFormat: 'float' | 'base64';
}

export interface SpeechToTextInput {
  audio: MediaInput;
  language?: string;
  prompt?: string;
  temperature?: number;
  /** Ask for timed segments and log-probabilities too (the audio service's transcripts and confidence). */
  detail?: boolean;
}

export interface ImageUnderstandingInput {
  image: MediaInput;
  prompt: string;
  detail?: 'low' | 'high' | 'auto';
  parameters: TextParameters;
}

export interface ImageGenerationInput {
  prompt: string;
  n: number;
  size: 'auto' | '1024x1024' | '1536x1024' | '1024x1536';
  quality: 'auto' | 'low' | 'medium' | 'high';
  outputFormat?: 'png' | 'jpeg' | 'webp';
  background?: 'auto' | 'transparent' | 'opaque';
}

export interface TaskInputs {
  text_generation: TextGenerationInput;
  embedding: EmbeddingInput;
  speech_to_text: SpeechToTextInput;
  image_understanding: ImageUnderstandingInput;
  image_generation: ImageGenerationInput;
}

// ---------------------------------------------------------------------------------------------------
// Normalised outputs: `provider_response` of the response.

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

export interface Choice {
  index: number;
  message: { role: 'assistant'; content: string };
  finish_reason: FinishReason;
}

export interface TextGenerationOutput {
  choices: Choice[];
}

export type EmbeddingVector = number[] | string;
export interface EmbeddingOutput {
  /** Set when `text_to_embed` was a string. */
  embedding?: EmbeddingVector;
  /** Set when `text_to_embed` was an array: one vector per input, in order. */
  embeddings?: EmbeddingVector[];
  dimensions: number;
  encoding_format: 'float' | 'base64';
}

export interface SpeechToTextOutput {
  transcription: string;
  language?: string;
  duration_seconds?: number;
  /** With `detail`, from whisper's verbose_json: timed segments and their mean token log-probability. */
  segments?: Array<{ start: number; end: number; text: string; avg_logprob?: number; no_speech_prob?: number }>;
  /** With `detail`, from the gpt-4o transcribe models (`include: ["logprobs"]`): each token's log-probability. */
  token_logprobs?: number[];
}

export interface ImageUnderstandingOutput {
  image_analysis_text: string;
  finish_reason: FinishReason;
}

export interface GeneratedImage {
  b64_json: string;
  mime_type: string;
  revised_prompt?: string;
}
export interface ImageGenerationOutput {
  images: GeneratedImage[];
}

export interface TaskOutputs {
  text_generation: TextGenerationOutput;
  embedding: EmbeddingOutput;
  speech_to_text: SpeechToTextOutput;
  image_understanding: ImageUnderstandingOutput;
  image_generation: ImageGenerationOutput;
}

/**
 * Usage as a provider reported it, normalised. `input_tokens` counts every input token including cached
 * ones (OpenAI's convention; Anthropic's cache reads and writes are added in).
 */
export interface ProviderUsage {
  input_tokens?: number;
  output_tokens?: number;
  /** Input tokens served from the provider's prompt cache (a subset of input_tokens). */
  cached_input_tokens?: number;
  /** Input tokens written to the prompt cache (Anthropic; a subset of input_tokens). */
  cache_write_tokens?: number;
  /** Audio input tokens (token-billed transcription; a subset of input_tokens). */
  audio_input_tokens?: number;
  /** Image input tokens (a subset of input_tokens). */
  image_input_tokens?: number;
  /** Audio seconds (speech-to-text). */
  seconds?: number;
  /** Characters synthesised (text-to-speech). */
  characters?: number;
  /** Images generated. */
  images?: number;
  /** True when the provider reported nothing and tokens were estimated (≈ 4 characters per token). */
  estimated?: boolean;
}

/** `usage` of the response and of the usage event. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cached_input_tokens?: number;
  seconds?: number;
  images?: number;
  estimated?: boolean;
  /** Cost of this call at catalog prices, in USD, summed over every attempt the provider bills. */
  cost_usd: number;
}

export type AttemptOutcome = 'success' | 'error' | 'skipped';

/** One provider tried (or deliberately skipped) while serving the request. */
export interface Attempt {
  provider: string;
  model: string;
  outcome: AttemptOutcome;
  /** Upstream HTTP status, when there was one. */
  status?: number;
  /** Our normalised reason (rate_limited, server_error, authentication_failed, cooldown…). */
  error_code?: string;
  /** The provider's own error code/type (insufficient_quota, overloaded_error…). */
  provider_error_code?: string;
  message?: string;
  retryable?: boolean;
  /** How long the provider asked us to wait (retry-after / retry-after-ms). */
  retry_after_ms?: number;
  /**
   * A retryable failure after which the same provider was not tried again, and why: `retries_exhausted`,
   * `wait_exceeds_deadline` (the wait and another attempt do not fit before the deadline),
   * `fallback_reserve` (they would use the time kept for the fallbacks: the chain moved on at once).
   */
  not_retried?: 'retries_exhausted' | 'wait_exceeds_deadline' | 'fallback_reserve';
  latency_ms: number;
  /** Whose key was used: the workspace's own, or the platform's. */
  key_source?: 'workspace' | 'platform';
  /** The provider's request id, for support tickets. */
  provider_request_id?: string;
  /** True when the provider bills this attempt (it returned a result). */
  billed: boolean;
  usage?: ProviderUsage;
  cost_usd?: number;
}

export interface LlmSuccessResponse<T extends TaskType = TaskType> {
  status: 'success';
  request_id: string;
  task_type: T;
  provider: string;
  model: string;
  /** What the caller asked for, when an alias or a fallback changed it. */
  requested_model: string;
  provider_response: TaskOutputs[T] & { id?: string; model?: string };
  usage: Usage;
  attempts: Attempt[];
  latency_ms: number;
}

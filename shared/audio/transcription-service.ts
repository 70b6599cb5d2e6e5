/**
 * Speech-to-text: one `POST /v1/audio/transcribe`, through the LLM service's OpenAI provider (Whisper,
 * gpt-4o transcribe models: the model catalog, the same transform, the engine's retries and cooldowns).
 * The audio is fetched by us (`audio_url`: the SSRF guard, size and type checked before anything is
 * uploaded) or decoded from `audio_base64` with the same checks. Whisper is asked for timed segments;
 * `confidence` comes from the model's log-probabilities (docs/audio.md). One usage event per call.
 */
import { performance } from 'node:perf_hooks';
import type { ModelCatalog } from '../llm/catalog';
import type { SpeechToTextOutput } from '../llm/contract';
import { type ProviderKeyDeps, resolveProviderKey } from '../llm/credentials';
import { type ChainEntry, keyedEngine, type StrategyDeps, type StrategyEngine } from '../llm/engine';
import { failureVerdict, LlmRequestError } from '../llm/errors';
import { AUDIO_MAX_BYTES, type MediaFetcher } from '../llm/inputs';
import type { LlmProvider } from '../llm/provider';
import { priceAttempts } from '../llm/usage';
import { moduleLogger } from '../observability/logger';
import type { TranscribeRequest, TranscribeResponse, TranscriptSegment } from './contract';
import { AudioCallFailedError, AudioRequestError } from './errors';
import { audioAttempt, publishAudioUsage, type UsagePublisher } from './usage';
import { baseLanguage, canonicalLocale } from './voices';

const log = moduleLogger('audio');

export const DEFAULT_TRANSCRIPTION_MODEL = 'whisper-1';

export interface TranscriptionServiceDeps extends ProviderKeyDeps, StrategyDeps {
  catalog: ModelCatalog;
  /** The LLM OpenAI provider (speech_to_text). */
  openai: LlmProvider;
  fetchMedia: MediaFetcher;
  publisher: UsagePublisher;
  source: string;
  /** Time kept after the provider call to publish usage (default 3000 ms). */
  publishReserveMs?: number;
}

export class TranscriptionService {
  private readonly engine: StrategyEngine<LlmProvider>;

  constructor(private readonly deps: TranscriptionServiceDeps) {
    this.engine = keyedEngine<LlmProvider>(deps, (provider, workspaceId) => resolveProviderKey(deps, { label: provider.name, ...(provider.defaultBaseUrl ? { defaultBaseUrl: provider.defaultBaseUrl } : {}) }, workspaceId));
  }

  async transcribe(request: TranscribeRequest, ctx: { requestId: string; deadline: number; callerArn?: string }): Promise<{ body: TranscribeResponse; timings: { totalMs: number; providerMs: number } }> {
    const started = performance.now();
    if ((request.audio_url === undefined) === (request.audio_base64 === undefined)) {
      throw new AudioRequestError('invalid_body', 'send the audio as either "audio_url" or "audio_base64" (exactly one)');
    }
    let language: string | undefined;
    if (request.language !== undefined) {
      const locale = canonicalLocale(request.language);
      if (!locale) throw new AudioRequestError('invalid_language', `language "${request.language}" is not a language tag such as "en" or "pt-BR"`, { language: request.language });
      language = baseLanguage(locale);
    }
    const chain = this.chain(request);
    const audio = await this.deps.fetchMedia(
      request.audio_url ?? `data:application/octet-stream;base64,${request.audio_base64!.replace(/-/g, '+').replace(/_/g, '/')}`,
      { kind: 'audio', field: request.audio_url !== undefined ? 'audio_url' : 'audio_base64', maxBytes: AUDIO_MAX_BYTES },
      ctx.deadline,
    );
    const outcome = await this.engine.execute(
      'speech_to_text',
      { audio, detail: true, ...(language ? { language } : {}), ...(request.prompt ? { prompt: request.prompt } : {}) },
      chain,
      { workspaceId: request.workspace_id, deadline: ctx.deadline - (this.deps.publishReserveMs ?? 3000) },
    );
    const cost = priceAttempts(outcome.attempts);
    const attempts = outcome.attempts.map((a) => audioAttempt(a.attempt, 'model'));
    const provider = request.provider ?? 'openai_whisper';
    const model = chain[0]!.target.model.id;
    const base = {
      requestId: ctx.requestId,
      workspaceId: request.workspace_id,
      operation: 'transcribe' as const,
      provider,
      model,
      cached: false,
      costUsd: cost,
      catalogVersion: this.deps.catalog.version,
      ...(request.metadata ? { metadata: request.metadata } : {}),
      ...(ctx.callerArn ? { callerArn: ctx.callerArn } : {}),
    };
    if (!outcome.success) {
      const verdict = failureVerdict(
        outcome.attempts.map((a) => a.attempt),
        outcome,
      );
      await publishAudioUsage(this.deps.publisher, this.deps.source, { ...base, status: 'error', errorCode: verdict.code, attempts, latencyMs: Math.round(performance.now() - started) }, ctx.deadline);
      throw new AudioCallFailedError(verdict.status, verdict.code, verdict.message, { attempts, request_id: ctx.requestId }, verdict.retryAfterS);
    }
    const output = outcome.success.result.output;
    const seconds = output.duration_seconds ?? outcome.success.result.usage.seconds;
    const segments: TranscriptSegment[] | undefined = output.segments?.map((s) => ({ start: s.start, end: s.end, text: s.text.trim() }));
    const body: TranscribeResponse = {
      status: 'success',
      request_id: ctx.requestId,
      transcript: output.transcription.trim(),
      language: language ?? languageCode(output.language),
      confidence: confidence(output),
      duration_seconds: seconds ?? null,
      ...(segments?.length ? { segments } : {}),
      provider,
      model,
      cost_usd: cost,
      attempts,
      latency_ms: Math.round(performance.now() - started),
    };
    const winner = outcome.attempts[outcome.attempts.length - 1]!.attempt;
    await publishAudioUsage(
      this.deps.publisher,
      this.deps.source,
      { ...base, status: 'success', ...(seconds !== undefined ? { seconds } : {}), ...(winner.key_source ? { keySource: winner.key_source } : {}), attempts, latencyMs: body.latency_ms },
      ctx.deadline,
    );
    log.info('audio transcribed', { workspace_id: request.workspace_id, model, seconds, attempts: attempts.length });
    return { body, timings: { totalMs: performance.now() - started, providerMs: outcome.providerMs } };
  }

  /** The model of the catalog that serves speech-to-text, on the OpenAI provider (400 otherwise). */
  private chain(request: TranscribeRequest): ChainEntry[] {
    try {
      const target = this.deps.catalog.resolve({ provider: this.deps.openai.name, model: request.model ?? DEFAULT_TRANSCRIPTION_MODEL }, 'speech_to_text');
      return [{ provider: this.deps.openai, target }];
    } catch (error) {
      if (error instanceof LlmRequestError) throw new AudioRequestError(error.code, `model: ${error.message}`, error.details);
      throw error;
    }
  }
}

/**
 * 0–1 from the model's log-probabilities: Whisper's segments carry each segment's mean token
 * log-probability — their mean weighted by the segment's duration, as a probability (exp); the gpt-4o
 * transcribe models give each token's log-probability — exp of their mean (the geometric mean of the
 * token probabilities). Null when the model reports neither.
 */
export function confidence(output: Pick<SpeechToTextOutput, 'segments' | 'token_logprobs'>): number | null {
  const segments = (output.segments ?? []).filter((s) => s.avg_logprob !== undefined);
  let mean: number | undefined;
  if (segments.length) {
    const weights = segments.map((s) => Math.max(s.end - s.start, 0.01));
    const total = weights.reduce((a, b) => a + b, 0);
    mean = segments.reduce((sum, s, i) => sum + s.avg_logprob! * weights[i]!, 0) / total;
  } else if (output.token_logprobs?.length) {
    mean = output.token_logprobs.reduce((a, b) => a + b, 0) / output.token_logprobs.length;
  }
  if (mean === undefined) return null;
  return Math.round(Math.min(1, Math.max(0, Math.exp(mean))) * 1000) / 1000;
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });
// Whisper's languages (ISO-639-1), to turn the English name verbose_json gives ("english") into its code.
const WHISPER_LANGUAGES = 'af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo yue zh'.split(' ');
const codeByName = new Map(WHISPER_LANGUAGES.map((code) => [languageNames.of(code)?.toLowerCase() ?? code, code]));

/** A language as the model reported it (`english`, `en`) → ISO-639-1, else what it said. */
export function languageCode(reported: string | undefined): string | null {
  if (!reported) return null;
  const lower = reported.trim().toLowerCase();
  if (WHISPER_LANGUAGES.includes(lower)) return lower;
  return codeByName.get(lower) ?? lower;
}

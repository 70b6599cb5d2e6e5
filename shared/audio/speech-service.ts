/**
 * Text-to-speech: one `POST /v1/audio/generate-speech`. The voice and language are resolved against the
 * voice catalog (400 before any call), the chain is built from `provider_preference` with an equivalent
 * voice per provider (same language and gender), and the per-workspace content cache is asked first:
 * the same text, voice, format and provider settings give the stored audio with no provider call.
 * Otherwise the LLM strategy engine runs the chain — retries of 429/5xx/timeouts/network errors, then
 * the next provider; a provider that rejects the content itself (bad SSML, unknown voice, text too long)
 * ends the chain with a 400 carrying its reason. Each provider call speaks the text in chunks its API
 * takes (split at sentence boundaries, synthesised side by side, a retry re-asks only the chunks that
 * failed), joined into one file whose duration is measured from the audio. The file is stored (S3, or
 * the local folder), handed out as an expiring signed URL, and one usage event is published.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Attempt } from '../llm/contract';
import { type ProviderKeyDeps, resolveProviderKey } from '../llm/credentials';
import { keyedEngine, type StrategyDeps, type StrategyEngine, type StrategyStep } from '../llm/engine';
import { failureVerdict } from '../llm/errors';
import { type CallOptions, ProviderBadResponse, type ProviderCredential, type ProviderResult } from '../llm/provider';
import { moduleLogger } from '../observability/logger';
import { joinAudio, measureAudio, pcmToWav } from './audio-files';
import type { AudioStore, StoredAudio } from './audio-store';
import type { GenerateSpeechRequest, GenerateSpeechResponse } from './contract';
import { AudioCallFailedError, AudioFormatError, AudioRequestError } from './errors';
import { DEFAULT_FORMAT, formats, type OutputFormat } from './formats';
import { splitText } from './sentences';
import type { SpeechChunk, SpeechProvider } from './speech-provider';
import { audioAttempt, type AudioUsage, publishAudioUsage, type UsagePublisher } from './usage';
import { AUDIO_PROVIDERS, type AudioProviderName, type Voice, type VoiceCatalog } from './voices';

const log = moduleLogger('audio');

export interface SpeechServiceDeps extends ProviderKeyDeps, StrategyDeps {
  catalog: VoiceCatalog;
  /** The providers this function serves. */
  providers: Partial<Record<AudioProviderName, SpeechProvider>>;
  store: AudioStore;
  publisher: UsagePublisher;
  /** source_service_name of usage events. */
  source: string;
  /** Lifetime of the URLs handed out. */
  urlTtlSeconds: number;
  /**
   * Stored audio older than this is made again rather than served from the cache: the bucket's lifecycle
   * rule deletes objects after their retention, and a URL must not outlive its file.
   */
  cacheMaxAgeMs: number;
  /** Time kept after the provider calls to store the file, sign its URL and publish usage (default 4000 ms). */
  afterProvidersReserveMs?: number;
}

export interface SpeechCallContext {
  requestId: string;
  deadline: number;
  callerArn?: string;
}

export interface SpeechTimings {
  totalMs: number;
  providerMs: number;
  storeMs: number;
  publishMs: number;
}

/** What a provider step yields: one file of the asked format, and its measured duration. */
interface Synthesis {
  audio: Buffer;
  durationSeconds: number;
  chunks: number;
}

/** One provider of the chain, with the voice it speaks in and where its audio is cached. */
interface ChainLink {
  provider: SpeechProvider;
  voice: Voice;
  model?: string;
  cacheKey: string;
  /** Characters this provider synthesised for the request (what it bills), over every attempt. */
  billedCharacters: number;
}

export class SpeechService {
  private readonly engine: StrategyEngine<SpeechProvider>;

  constructor(private readonly deps: SpeechServiceDeps) {
    this.engine = keyedEngine<SpeechProvider>(deps, (provider, workspaceId) => resolveProviderKey(deps, provider.keyed, workspaceId));
  }

  async generate(request: GenerateSpeechRequest, ctx: SpeechCallContext): Promise<{ body: GenerateSpeechResponse; timings: SpeechTimings }> {
    const started = performance.now();
    const text = request.text.trim();
    if (!text) throw new AudioRequestError('invalid_body', 'text: must contain something to say (it is only whitespace)');
    const { voice, language } = this.deps.catalog.resolve(request.voice_id, request.language);
    const format = request.output_format ?? DEFAULT_FORMAT;
    const chain = this.chain(request, voice, language, format, text);
    const base = { requestId: ctx.requestId, workspaceId: request.workspace_id, operation: 'generate_speech' as const, requestedVoiceId: request.voice_id, format, catalogVersion: this.deps.catalog.version };
    const optional = { ...(request.metadata ? { metadata: request.metadata } : {}), ...(ctx.callerArn ? { callerArn: ctx.callerArn } : {}) };

    // The cache: the first provider of the chain that has this text in this voice and format.
    const storeStarted = performance.now();
    const hit = await this.cached(chain, ctx.deadline);
    if (hit) {
      const { link, stored } = hit;
      const url = await this.deps.store.signedUrl(stored.key, { expiresInS: this.deps.urlTtlSeconds, contentType: formats[format].contentType, deadline: ctx.deadline });
      const storeMs = performance.now() - storeStarted;
      const duration = Number(stored.metadata.duration_seconds);
      const body: GenerateSpeechResponse = {
        status: 'success',
        request_id: ctx.requestId,
        audio_url: url.url,
        expires_at: url.expiresAt.toISOString(),
        duration_seconds: duration,
        provider: link.provider.name,
        voice_id: link.voice.id,
        requested_voice_id: request.voice_id,
        language,
        format,
        content_type: formats[format].contentType,
        bytes: stored.bytes,
        cached: true,
        characters: 0,
        cost_usd: 0,
        attempts: [],
        latency_ms: Math.round(performance.now() - started),
      };
      const publishStarted = performance.now();
      await publishAudioUsage(this.deps.publisher, this.deps.source, { ...base, ...optional, status: 'success', provider: body.provider, voiceId: body.voice_id, cached: true, characters: 0, seconds: body.duration_seconds, costUsd: 0, attempts: [], latencyMs: body.latency_ms }, ctx.deadline);
      log.info('speech from cache', { workspace_id: request.workspace_id, provider: body.provider, voice_id: body.voice_id, bytes: body.bytes });
      return { body, timings: { totalMs: performance.now() - started, providerMs: 0, storeMs, publishMs: performance.now() - publishStarted } };
    }
    const lookupMs = performance.now() - storeStarted;

    const steps = chain.map((link): StrategyStep<SpeechProvider, Synthesis, ChainLink> => ({
      provider: link.provider,
      label: link.voice.id,
      meta: link,
      invoke: this.synthesis(link, text, language, format),
    }));
    const providersDeadline = ctx.deadline - (this.deps.afterProvidersReserveMs ?? 4000);
    const outcome = await this.engine.run(steps, { workspaceId: request.workspace_id, deadline: providersDeadline, stopOnRequestError: true });
    const attempts = outcome.attempts.map((a) => audioAttempt(a.attempt, 'voice_id'));
    const characters = chain.reduce((n, l) => n + l.billedCharacters, 0);
    const costUsd = this.cost(chain);
    const winner = outcome.success ? chain[outcome.success.index]! : undefined;
    const winnerAttempt: Attempt | undefined = outcome.success ? outcome.attempts[outcome.attempts.length - 1]!.attempt : undefined;

    if (!outcome.success || !winner) {
      const verdict = outcome.stoppedOnRequestError
        ? { status: 400 as const, code: 'provider_rejected_request', message: rejection(outcome.attempts[outcome.attempts.length - 1]!.attempt) }
        : failureVerdict(
            outcome.attempts.map((a) => a.attempt),
            outcome,
          );
      await publishAudioUsage(this.deps.publisher, this.deps.source, { ...base, ...optional, status: 'error', errorCode: verdict.code, cached: false, characters, costUsd, attempts, latencyMs: Math.round(performance.now() - started) }, ctx.deadline);
      throw new AudioCallFailedError(verdict.status, verdict.code, verdict.message, { attempts, request_id: ctx.requestId }, 'retryAfterS' in verdict ? verdict.retryAfterS : undefined);
    }

    const { audio, durationSeconds } = outcome.success.result.output;
    const putStarted = performance.now();
    await this.deps.store.put(winner.cacheKey, audio, {
      contentType: formats[format].contentType,
      metadata: { provider: winner.provider.name, voice_id: winner.voice.id, language, format, duration_seconds: String(durationSeconds), characters: String(text.length) },
      deadline: ctx.deadline,
    });
    const url = await this.deps.store.signedUrl(winner.cacheKey, { expiresInS: this.deps.urlTtlSeconds, contentType: formats[format].contentType, deadline: ctx.deadline });
    const storeMs = lookupMs + (performance.now() - putStarted);
    const body: GenerateSpeechResponse = {
      status: 'success',
      request_id: ctx.requestId,
      audio_url: url.url,
      expires_at: url.expiresAt.toISOString(),
      duration_seconds: round3(durationSeconds),
      provider: winner.provider.name,
      voice_id: winner.voice.id,
      requested_voice_id: request.voice_id,
      language,
      format,
      content_type: formats[format].contentType,
      bytes: audio.length,
      cached: false,
      characters,
      cost_usd: costUsd,
      attempts,
      latency_ms: Math.round(performance.now() - started),
    };
    const publishStarted = performance.now();
    const usage: AudioUsage = {
      ...base,
      ...optional,
      status: 'success',
      provider: body.provider,
      voiceId: body.voice_id,
      ...(winner.model ? { model: winner.model } : {}),
      cached: false,
      characters,
      seconds: body.duration_seconds,
      costUsd,
      ...(winnerAttempt?.key_source ? { keySource: winnerAttempt.key_source } : {}),
      attempts,
      latencyMs: body.latency_ms,
    };
    await publishAudioUsage(this.deps.publisher, this.deps.source, usage, ctx.deadline);
    log.info('speech generated', { workspace_id: request.workspace_id, provider: body.provider, voice_id: body.voice_id, format, characters, duration_seconds: body.duration_seconds, attempts: attempts.length });
    return { body, timings: { totalMs: performance.now() - started, providerMs: outcome.providerMs, storeMs, publishMs: performance.now() - publishStarted } };
  }

  /**
   * The providers to try, in order, each with the voice it would speak in. Providers that cannot serve
   * this request (no voice for the language, not the format, not served by this function) are left out;
   * when none is left the request is a 400 that says why for each.
   */
  private chain(request: GenerateSpeechRequest, voice: Voice, language: string, format: OutputFormat, text: string): ChainLink[] {
    const order = request.provider_preference ?? [voice.provider, ...AUDIO_PROVIDERS.filter((p) => p !== voice.provider)];
    const problems: string[] = [];
    const chain: ChainLink[] = [];
    for (const name of new Set(order)) {
      const provider = this.deps.providers[name];
      if (!provider) {
        problems.push(`${name}: not served here`);
        continue;
      }
      const providerFormat = provider.format(format);
      if (!providerFormat) {
        problems.push(`${name}: cannot produce ${format}`);
        continue;
      }
      const speaker = this.deps.catalog.equivalent(voice, name, language);
      if (!speaker) {
        problems.push(`${name}: has no voice for ${language}`);
        continue;
      }
      const model = this.deps.catalog.settings(name).model;
      // The cache key: everything that changes the audio this provider would make.
      const digest = createHash('sha256')
        .update(JSON.stringify({ v: 1, provider: name, voice: speaker.name, model: model ?? null, format: providerFormat.name, language, text }))
        .digest('hex');
      chain.push({ provider, voice: speaker, ...(model ? { model } : {}), cacheKey: `tts/${request.workspace_id}/${digest}.${formats[format].extension}`, billedCharacters: 0 });
    }
    if (!chain.length) {
      throw new AudioRequestError('no_provider_can_serve', `no provider can speak this request (${format}, ${language}): ${problems.join('; ')}`, { problems, format, language });
    }
    return chain;
  }

  /** The first link of the chain whose audio is stored and fresh, looked up all at once. */
  private async cached(chain: ChainLink[], deadline: number): Promise<{ link: ChainLink; stored: StoredAudio } | undefined> {
    const now = (this.deps.clock ?? Date.now)();
    const found = await Promise.all(chain.map((link) => this.deps.store.head(link.cacheKey, { deadline })));
    for (const [i, stored] of found.entries()) {
      if (stored && now - stored.lastModified.getTime() < this.deps.cacheMaxAgeMs && Number.isFinite(Number(stored.metadata.duration_seconds))) return { link: chain[i]!, stored };
    }
    return undefined;
  }

  /**
   * One provider's attempt: the text in chunks its API takes, `concurrency` at a time, each chunk kept
   * once made (a retry asks again only for the chunks that failed), then joined and measured. An answer
   * that is not audio of the asked format is a bad response (the next provider is tried).
   */
  private synthesis(link: ChainLink, text: string, language: string, format: OutputFormat) {
    const { provider } = link;
    const providerFormat = provider.format(format)!;
    const parts = splitText(text, provider.maxChunkCharacters, language);
    const done = new Map<number, Buffer>();
    return async (credential: ProviderCredential, options: CallOptions): Promise<ProviderResult<Synthesis>> => {
      const pending = parts.map((_, i) => i).filter((i) => !done.has(i));
      let failure: unknown;
      let requestId: string | undefined;
      const worker = async () => {
        for (let i = pending.shift(); i !== undefined && failure === undefined; i = pending.shift()) {
          const chunk: SpeechChunk = {
            text: parts[i]!,
            voice: link.voice,
            language,
            format: providerFormat,
            ...(link.model ? { model: link.model } : {}),
            ...(i > 0 ? { previousText: parts[i - 1]! } : {}),
            ...(i < parts.length - 1 ? { nextText: parts[i + 1]! } : {}),
          };
          try {
            const answer = await provider.synthesize(chunk, credential, options);
            done.set(i, answer.audio);
            link.billedCharacters += parts[i]!.length;
            requestId ??= answer.requestId;
          } catch (error) {
            failure ??= error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(provider.concurrency, pending.length) }, worker));
      if (failure !== undefined) throw failure;
      const usage = { characters: text.length };
      try {
        let pieces = parts.map((_, i) => done.get(i)!);
        if (providerFormat.pcmSampleRate) pieces = await Promise.all(pieces.map((pcm) => pcmToWav(pcm, providerFormat.pcmSampleRate!)));
        const audio = await joinAudio(pieces, format);
        const { durationSeconds } = await measureAudio(audio, format);
        return { output: { audio, durationSeconds, chunks: parts.length }, usage, ...(requestId ? { requestId } : {}) };
      } catch (error) {
        if (error instanceof AudioFormatError) throw new ProviderBadResponse(`${provider.name} answered audio we cannot use: ${error.message}`, usage);
        throw error;
      }
    };
  }

  /** List-price cost of every provider's characters; null when one that billed has no list price. */
  private cost(chain: ChainLink[]): number | null {
    let usd = 0;
    for (const link of chain) {
      if (!link.billedCharacters) continue;
      const price = this.deps.catalog.settings(link.provider.name).price_per_million_characters;
      if (price === undefined) return null;
      usd += (link.billedCharacters * price) / 1_000_000;
    }
    return Math.round(usd * 1e8) / 1e8;
  }
}

/** The provider's own reason for rejecting the content. */
function rejection(a: Attempt): string {
  const code = a.provider_error_code ? ` (${a.provider_error_code})` : '';
  return `${a.provider} rejected the request${a.status ? ` with ${a.status}` : ''}${code}: ${a.message ?? 'no reason given'}; no fallback is tried for a content error`;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * A local fake of the OpenAI API wire format, driven by the real `openai` SDK over HTTP. Dialects:
 * `openai` (base `/v1`: chat completions incl. image_url parts, embeddings incl. base64, multipart audio
 * transcriptions (verbose_json with timed segments and their avg_logprob; token logprobs for the gpt-4o
 * models on `include[]=logprobs`), speech (real MP3 / Ogg Opus / WAV bytes as long as the input takes
 * to speak), image generations), `deepseek` (base without `/v1`: chat only; usage with
 * prompt_cache_hit/miss_tokens; 402 for an empty balance), `tei` (Hugging Face Text Embeddings
 * Inference's OpenAI route: `/v1/embeddings`, no usage reported).
 *
 * Keys are checked (`Authorization: Bearer`); a wrong key gets 401 with the key echoed in the message —
 * worse than the real API, which masks it — so tests prove we never pass such messages on. Error
 * bodies are OpenAI's `{ error: { message, type, param, code } }`. Replies can be scripted per route.
 */
import { createHash } from 'node:crypto';
import { FakeHttpServer, type FakeReply, type RecordedRequest, words } from '../../support/llm-fake-server';
import { mp3, oggOpus, spokenSeconds, wavSample } from '../audio/samples';

export type OpenAiDialect = 'openai' | 'deepseek' | 'tei';
export type OpenAiRoute = 'chat' | 'embeddings' | 'transcriptions' | 'speech' | 'images' | 'unknown';

export interface FakeOpenAiOptions {
  dialect?: OpenAiDialect;
  /** Accepted API keys. */
  keys: string[];
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
}

const error = (status: number, message: string, type: string, code: string | null = null, headers: Record<string, string> = {}): FakeReply => ({
  status,
  body: { error: { message, type, param: null, code } },
  headers,
});

/** Scripted failures in OpenAI's format. */
export const openAiErrors = {
  unavailable: (): FakeReply => error(503, 'The server is overloaded or not ready yet.', 'server_error', 'service_unavailable'),
  serverError: (): FakeReply => error(500, 'The server had an error while processing your request.', 'server_error'),
  rateLimited: (retryAfter?: { seconds?: number; ms?: number }): FakeReply =>
    error(429, 'Rate limit reached for requests per min (RPM). Please try again shortly.', 'requests', 'rate_limit_exceeded', {
      ...(retryAfter?.seconds !== undefined ? { 'retry-after': String(retryAfter.seconds) } : {}),
      ...(retryAfter?.ms !== undefined ? { 'retry-after-ms': String(retryAfter.ms) } : {}),
    }),
  quota: (): FakeReply =>
    error(429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'),
  insufficientBalance: (): FakeReply => error(402, 'Insufficient Balance', 'unknown_error', 'invalid_request_error'),
  badRequest: (message: string): FakeReply => error(400, message, 'invalid_request_error', 'invalid_value'),
};

const DIMENSIONS: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072 };

/** A deterministic unit vector for a text (so tests can recompute it). */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const out: number[] = [];
  let seed = createHash('sha256').update(text).digest();
  while (out.length < dimensions) {
    for (let i = 0; i + 4 <= seed.length && out.length < dimensions; i += 4) out.push(seed.readInt32LE(i) / 2 ** 31);
    seed = createHash('sha256').update(seed).digest();
  }
  const norm = Math.sqrt(out.reduce((n, x) => n + x * x, 0));
  return out.map((x) => Math.fround(x / norm));
}

/** Duration of a PCM WAV file from its header (what a transcription service bills). */
export function wavSeconds(bytes: Buffer): number | undefined {
  if (bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let offset = 12;
  let byteRate = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ') byteRate = bytes.readUInt32LE(offset + 16);
    if (id === 'data' && byteRate) return size / byteRate;
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** Each token's log-probability in the gpt-4o transcription fakes. */
export const FAKE_TOKEN_LOGPROB = -0.05;

/** whisper verbose_json segments: 2 s windows over the audio, avg_logprob −0.1, −0.2, −0.3, −0.1… */
export function fakeSegments(text: string, seconds: number): Array<{ id: number; seek: number; start: number; end: number; text: string; tokens: number[]; temperature: number; avg_logprob: number; compression_ratio: number; no_speech_prob: number }> {
  const count = Math.max(1, Math.ceil(seconds / 2));
  const wordsOf = text.split(/\s+/);
  const per = Math.ceil(wordsOf.length / count);
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    seek: 0,
    start: i * 2,
    end: Math.min(seconds, (i + 1) * 2),
    text: ` ${wordsOf.slice(i * per, (i + 1) * per).join(' ')}`,
    tokens: [],
    temperature: 0,
    avg_logprob: -0.1 * (1 + (i % 3)),
    compression_ratio: 1.2,
    no_speech_prob: 0.01,
  }));
}

const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];

/** 1×1 transparent PNG. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class FakeOpenAi {
  readonly server: FakeHttpServer;
  readonly keys: Set<string>;
  readonly dialect: OpenAiDialect;
  private ids = 0;

  private constructor(options: FakeOpenAiOptions) {
    this.dialect = options.dialect ?? 'openai';
    this.keys = new Set(options.keys);
    const prefix = this.dialect === 'deepseek' ? '' : '/v1';
    this.server = new FakeHttpServer(
      (method, path) => {
        if (method !== 'POST') return 'unknown';
        if (path === `${prefix}/chat/completions` && this.dialect !== 'tei') return 'chat';
        if (path === `${prefix}/embeddings` && this.dialect !== 'deepseek') return 'embeddings';
        if (path === `${prefix}/audio/transcriptions` && this.dialect === 'openai') return 'transcriptions';
        if (path === `${prefix}/audio/speech` && this.dialect === 'openai') return 'speech';
        if (path === `${prefix}/images/generations` && this.dialect === 'openai') return 'images';
        return 'unknown';
      },
      (request) => this.handle(request),
    );
  }

  static async start(options: FakeOpenAiOptions): Promise<FakeOpenAi> {
    const fake = new FakeOpenAi(options);
    await fake.server.start(options.port);
    return fake;
  }

  /** The base URL to put in the provider secret (what the SDK's baseURL is). */
  get baseUrl(): string {
    return this.dialect === 'deepseek' ? this.server.origin : `${this.server.origin}/v1`;
  }

  script(route: OpenAiRoute, ...replies: FakeReply[]): void {
    this.server.script(route, ...replies);
  }

  on(route: OpenAiRoute): RecordedRequest[] {
    return this.server.on(route);
  }

  /** The bearer key each request on `route` carried. */
  keysUsed(route: OpenAiRoute): string[] {
    return this.on(route).map((r) => (r.headers.authorization ?? '').replace(/^Bearer /, ''));
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(request: RecordedRequest): FakeReply {
    const headers = { 'x-request-id': `req_${++this.ids}` };
    const key = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.keys.has(key)) {
      return { ...error(401, `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'), headers };
    }
    const body = (request.body ?? {}) as Json;
    const reply = (() => {
      switch (request.route) {
        case 'chat':
          return this.chat(body);
        case 'embeddings':
          return this.embeddings(body);
        case 'transcriptions':
          return this.transcription(request);
        case 'speech':
          return this.speech(body);
        case 'images':
          return this.images(body);
        default:
          return error(404, `Invalid URL (${request.method} ${request.path})`, 'invalid_request_error', 'unknown_url');
      }
    })();
    return { ...reply, headers: { ...headers, ...reply.headers } };
  }

  private chat(body: Json): FakeReply {
    if (typeof body.model !== 'string') return openAiErrors.badRequest('you must provide a model parameter');
    if (!Array.isArray(body.messages) || !body.messages.length) return openAiErrors.badRequest("'messages' must be a non-empty array");
    if (this.dialect === 'deepseek' && body.max_completion_tokens !== undefined) return error(422, 'unknown parameter max_completion_tokens', 'invalid_request_error');
    let promptTokens = 0;
    let lastUser = '';
    for (const m of body.messages as Json[]) {
      if (!['system', 'developer', 'user', 'assistant'].includes(m.role)) return openAiErrors.badRequest(`invalid role ${m.role}`);
      if (typeof m.content === 'string') {
        promptTokens += words(m.content);
        if (m.role === 'user') lastUser = m.content;
        continue;
      }
      if (!Array.isArray(m.content)) return openAiErrors.badRequest('content must be a string or an array of parts');
      const parts: string[] = [];
      for (const part of m.content as Json[]) {
        if (part.type === 'text') {
          promptTokens += words(part.text);
          parts.push(part.text);
        } else if (part.type === 'image_url') {
          const match = /^data:(image\/[a-z]+);base64,(.+)$/s.exec(part.image_url?.url ?? '');
          if (!match) return openAiErrors.badRequest('image_url must be a base64 data URL in this fake');
          promptTokens += 85;
          parts.push(`[image ${match[1]} ${Buffer.from(match[2]!, 'base64').length} bytes${part.image_url.detail ? ` detail=${part.image_url.detail}` : ''}]`);
        } else return openAiErrors.badRequest(`unknown content part ${part.type}`);
      }
      if (m.role === 'user') lastUser = parts.join(' ');
    }
    const limit = body.max_completion_tokens ?? body.max_tokens;
    let text = `echo: ${lastUser}`;
    let finish = 'stop';
    if (typeof limit === 'number' && words(text) > limit) {
      text = text.split(/\s+/).slice(0, limit).join(' ');
      finish = 'length';
    }
    if (body.response_format?.type === 'json_object') text = JSON.stringify({ echo: lastUser });
    const completion = words(text);
    const usage: Json =
      this.dialect === 'deepseek'
        ? { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: promptTokens }
        : { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
    return {
      status: 200,
      body: {
        id: `chatcmpl-${++this.ids}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finish }],
        usage,
      },
    };
  }

  private embeddings(body: Json): FakeReply {
    const inputs: unknown[] = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input : [];
    if (!inputs.length || !inputs.every((t) => typeof t === 'string' && t.length)) return openAiErrors.badRequest("'input' must be a non-empty string or array of strings");
    const dimensions: number = body.dimensions ?? DIMENSIONS[body.model] ?? (/mpnet/i.test(body.model) ? 768 : 384);
    const data = (inputs as string[]).map((text, index) => {
      const vector = fakeEmbedding(text, dimensions);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = (inputs as string[]).reduce((n, t) => n + words(t), 0);
    return { status: 200, body: { object: 'list', data, model: body.model, ...(this.dialect === 'tei' ? {} : { usage: { prompt_tokens: tokens, total_tokens: tokens } }) } };
  }

  private transcription(request: RecordedRequest): FakeReply {
    const file = request.files.file;
    const body = request.body as Record<string, string> | undefined;
    if (!file) return openAiErrors.badRequest("'file' is a required multipart field");
    if (!body?.model) return openAiErrors.badRequest("'model' is a required multipart field");
    const seconds = wavSeconds(file.bytes) ?? file.size / 16_000;
    const text = `transcript of ${file.name} (${file.type}, ${file.size} bytes, ${seconds.toFixed(2)} s)${body.language ? ` in ${body.language}` : ''}`;
    if (body.response_format === 'verbose_json') {
      return { status: 200, body: { task: 'transcribe', language: body.language ?? 'english', duration: seconds, text, segments: fakeSegments(text, seconds) } };
    }
    if (body.model.startsWith('gpt-4o')) {
      const audioTokens = Math.round(seconds * 10);
      const out = words(text);
      const logprobs = Object.entries(body).some(([k, v]) => k.startsWith('include') && v === 'logprobs')
        ? { logprobs: text.split(/\s+/).map((token) => ({ token, logprob: FAKE_TOKEN_LOGPROB, bytes: [...Buffer.from(token)] })) }
        : {};
      return {
        status: 200,
        body: { text, ...logprobs, usage: { type: 'tokens', input_tokens: audioTokens, input_token_details: { audio_tokens: audioTokens, text_tokens: 0 }, output_tokens: out, total_tokens: audioTokens + out } },
      };
    }
    return { status: 200, body: { text, usage: { type: 'duration', seconds: Math.ceil(seconds) } } };
  }

  /** What each answer of /audio/speech was (tests measure what comes back against it). */
  readonly speechOutputs: Array<{ text: string; voice: string; format: string; seconds: number; bytes: Buffer }> = [];

  private speech(body: Json): FakeReply {
    if (!['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'].includes(body.model)) return openAiErrors.badRequest(`model ${body.model} does not exist`);
    if (typeof body.input !== 'string' || !body.input) return openAiErrors.badRequest("'input' is required");
    if (body.input.length > 4096) return error(400, `[{'type': 'string_too_long', 'loc': ('body', 'input'), 'msg': 'String should have at most 4096 characters'}]`, 'invalid_request_error', 'string_above_max_length');
    if (!OPENAI_VOICES.includes(body.voice)) return error(400, `Invalid value for 'voice' = ${body.voice}.`, 'invalid_request_error', 'invalid_value');
    const format = body.response_format ?? 'mp3';
    const make = { mp3: (s: number) => mp3(s), opus: (s: number) => oggOpus(s), wav: (s: number) => wavSample(s, 24_000) }[format as 'mp3'];
    if (!make) return openAiErrors.badRequest(`response_format ${format} is not supported by this fake`);
    const sample = make(spokenSeconds(body.input));
    this.speechOutputs.push({ text: body.input, voice: body.voice, format, seconds: sample.seconds, bytes: sample.bytes });
    return { status: 200, body: sample.bytes, headers: { 'content-type': { mp3: 'audio/mpeg', opus: 'audio/ogg', wav: 'audio/wav' }[format as 'mp3'] } };
  }

  private images(body: Json): FakeReply {
    if (typeof body.prompt !== 'string' || !body.prompt) return openAiErrors.badRequest("'prompt' is required");
    if (!/^gpt-image/.test(body.model ?? '')) return openAiErrors.badRequest(`model ${body.model} does not exist or is shut down`);
    if (body.response_format !== undefined) return openAiErrors.badRequest('response_format is not supported for gpt-image models');
    const n = body.n ?? 1;
    const perImage = { low: 272, medium: 1056, high: 4160 }[body.quality as 'low' | 'medium' | 'high'] ?? 1056;
    return {
      status: 200,
      body: {
        created: Math.floor(Date.now() / 1000),
        data: Array.from({ length: n }, () => ({ b64_json: TINY_PNG.toString('base64') })),
        quality: body.quality,
        size: body.size,
        output_format: body.output_format ?? 'png',
        usage: { input_tokens: words(body.prompt), input_tokens_details: { text_tokens: words(body.prompt), image_tokens: 0 }, output_tokens: perImage * n, total_tokens: words(body.prompt) + perImage * n },
      },
    };
  }
}

/**
 * The HTTP wire of the TTS providers called by their documented REST APIs (Azure Speech, ElevenLabs,
 * Coqui tts-server): a client per credential (base URL, key, and the fetch to use — the SSRF guard's for
 * a workspace's own server, the platform's otherwise), one POST whose answer is audio bytes (read
 * under a size cap), and the failures as facts of the wire. Each provider folder says how its error
 * bodies read.
 */
import type { CallOptions, ProviderCredential, ProviderFailure } from '../../llm/provider';
import { retryAfterMs } from '../../llm/providers/wire';

export interface RestClient {
  baseUrl: string;
  apiKey: string;
  fields: Readonly<Record<string, unknown>>;
  fetch: typeof globalThis.fetch;
}

export const restClient = (credential: ProviderCredential): RestClient => ({
  baseUrl: credential.baseUrl.replace(/\/+$/, ''),
  apiKey: credential.apiKey,
  fields: credential.fields,
  fetch: credential.fetch ?? globalThis.fetch,
});

/** Largest audio answer read for one chunk (a chunk is minutes of speech at most). */
export const MAX_AUDIO_BYTES = 64 * 1024 * 1024;

/** The provider answered with an error status: what it said, for the provider's classifier. */
export class ProviderHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: string,
  ) {
    super(`status ${status}`);
    this.name = 'ProviderHttpError';
  }
}

/** The provider answered 2xx with something that is not audio. */
export class NotAudioError extends Error {
  constructor(readonly contentType: string | null) {
    super(`the answer is ${contentType ?? 'untyped'}, not audio`);
    this.name = 'NotAudioError';
  }
}

export interface AudioPost {
  url: string;
  headers: Record<string, string>;
  body: string | URLSearchParams;
  /** Header carrying the provider's request id. */
  requestIdHeader?: string;
}

/** POSTs and reads the audio answer (≤ MAX_AUDIO_BYTES); an error status throws ProviderHttpError. */
export async function postForAudio(client: RestClient, request: AudioPost, options: CallOptions): Promise<{ audio: Buffer; requestId?: string }> {
  const response = await client.fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: options.signal, redirect: 'error' });
  const requestId = (request.requestIdHeader && response.headers.get(request.requestIdHeader)) || undefined;
  if (!response.ok) {
    const text = await readCapped(response, 64 * 1024).then((b) => b.toString('utf8'), () => '');
    throw new ProviderHttpError(response.status, response.headers, text);
  }
  const type = response.headers.get('content-type');
  if (type && !/^(audio\/|application\/octet-stream|binary\/)/i.test(type)) {
    await response.body?.cancel().catch(() => undefined);
    throw new NotAudioError(type);
  }
  const audio = await readCapped(response, MAX_AUDIO_BYTES);
  return { audio, ...(requestId ? { requestId } : {}) };
}

async function readCapped(response: Response, limit: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`the answer is ${declared} bytes; at most ${limit} are read`);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > limit) {
      await response.body.cancel().catch(() => undefined);
      throw new Error(`the answer is larger than ${limit} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, size);
}

/** What a provider's error body says: its code, its message, whether the account is out of credit. */
export interface ErrorBodyReading {
  providerCode?: string;
  message?: string;
  quotaExhausted?: boolean;
}

/**
 * A failure of a REST call as facts of the wire: an error status (with retry-after and what the body
 * says), a dropped or refused connection, an abort, an answer that is not audio.
 */
export function classifyRestError(error: unknown, readBody: (status: number, body: string) => ErrorBodyReading): ProviderFailure {
  if (error instanceof ProviderHttpError) {
    const reading = readBody(error.status, error.body);
    const wait = retryAfterMs(error.headers);
    return {
      kind: 'http',
      status: error.status,
      message: reading.message || error.body.slice(0, 300) || `status ${error.status}`,
      ...(reading.providerCode ? { providerCode: reading.providerCode } : {}),
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      ...(reading.quotaExhausted ? { quotaExhausted: true } : {}),
    };
  }
  if (error instanceof NotAudioError) return { kind: 'bad_response', message: error.message };
  // Errors from fetch (undici) and node:http may come from another realm: read by name and code, not instanceof.
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return { kind: 'aborted', message: 'the request was aborted at the deadline' };
  if (/answer is larger than|at most \d+ are read/.test(message)) return { kind: 'bad_response', message };
  if (e.name === 'TypeError') {
    // fetch: "fetch failed" with the socket error as its cause; "terminated" when the body was cut.
    const cause = e.cause as { message?: unknown } | undefined;
    return { kind: 'network', message: `connection failed${typeof cause?.message === 'string' ? `: ${cause.message}` : message === 'fetch failed' ? '' : `: ${message}`}` };
  }
  if (typeof e.code === 'string' && /^E[A-Z]+/.test(e.code)) return { kind: 'network', message: `connection failed: ${message}` };
  return { kind: 'internal', message };
}

/** The JSON of an error body, or undefined. */
export function jsonBody(body: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A local fake of Azure Speech's text-to-speech REST API: `POST /cognitiveservices/v1` with
 * `Ocp-Apim-Subscription-Key`, an SSML body (`application/ssml+xml`) and `X-Microsoft-OutputFormat`.
 * Answers real audio (MP3 24 kHz, Ogg Opus, RIFF PCM) as long as the text takes to speak
 * (samples.ts `spokenSeconds`); 400 for SSML it cannot read or a voice it does not have, 401 for a wrong
 * key, 415 for another content type. Replies can be scripted (429, 5xx, hangs, dropped connections).
 */
import { FakeHttpServer, type FakeReply, type RecordedRequest } from '../../support/llm-fake-server';
import { mp3, oggOpus, type Sample, spokenSeconds, wavSample } from '../audio/samples';

export interface FakeSpeechOutput {
  text: string;
  voice: string;
  format: string;
  seconds: number;
  bytes: Buffer;
}

const FORMATS: Record<string, { type: string; make: (s: number) => Sample }> = {
  'audio-24khz-48kbitrate-mono-mp3': { type: 'audio/mpeg', make: (s) => mp3(s, '24000-48') },
  'ogg-24khz-16bit-mono-opus': { type: 'audio/ogg', make: (s) => oggOpus(s, 24_000) },
  'riff-24khz-16bit-mono-pcm': { type: 'audio/wav', make: (s) => wavSample(s, 24_000) },
};

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

export const azureErrors = {
  throttled: (retryAfterS?: number): FakeReply => ({ status: 429, body: 'Too many requests', headers: { 'content-type': 'text/plain', ...(retryAfterS !== undefined ? { 'retry-after': String(retryAfterS) } : {}) } }),
  badGateway: (): FakeReply => ({ status: 502, body: '', headers: { 'content-type': 'text/plain' } }),
  unavailable: (): FakeReply => ({ status: 503, body: 'Service Unavailable', headers: { 'content-type': 'text/plain' } }),
};

export class FakeAzureSpeech {
  readonly server: FakeHttpServer;
  readonly outputs: FakeSpeechOutput[] = [];
  private ids = 0;

  private constructor(
    readonly keys: Set<string>,
    /** Voice names it has; any `…Neural` name when undefined. */
    readonly voices?: Set<string>,
    private readonly anyKey = false,
  ) {
    this.server = new FakeHttpServer((method, path) => (method === 'POST' && path === '/cognitiveservices/v1' ? 'tts' : 'unknown'), (r) => this.handle(r));
  }

  static async start(options: { keys: string[]; voices?: string[]; anyKey?: boolean; port?: number }): Promise<FakeAzureSpeech> {
    const fake = new FakeAzureSpeech(new Set(options.keys), options.voices ? new Set(options.voices) : undefined, options.anyKey);
    await fake.server.start(options.port);
    return fake;
  }

  /** `base_url` of the secret (replaces https://{region}.tts.speech.microsoft.com). */
  get baseUrl(): string {
    return this.server.origin;
  }

  script(...replies: FakeReply[]): void {
    this.server.script('tts', ...replies);
  }

  requests(key?: string): RecordedRequest[] {
    return this.server.on('tts').filter((r) => key === undefined || r.headers['ocp-apim-subscription-key'] === key);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(request: RecordedRequest): FakeReply {
    const headers = { 'x-requestid': `az-${++this.ids}` };
    if (request.route !== 'tts') return { status: 404, body: '', headers };
    const key = request.headers['ocp-apim-subscription-key'] ?? '';
    if (!this.anyKey && !this.keys.has(key)) {
      return { status: 401, body: { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.' } }, headers };
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/ssml+xml')) return { status: 415, body: '', headers };
    const format = FORMATS[request.headers['x-microsoft-outputformat'] ?? ''];
    if (!format) return { status: 400, body: 'Unsupported output format', headers: { ...headers, 'content-type': 'text/plain' } };
    const ssml = typeof request.body === 'string' ? request.body : '';
    const match = /^<speak version='1\.0' xml:lang='([^']+)'><voice xml:lang='([^']+)'(?: xml:gender='(?:Female|Male)')? name='([^'<>&]+)'>([^<]*)<\/voice><\/speak>$/s.exec(ssml);
    if (!match || /&(?!(lt|gt|amp|apos|quot);)/.test(match[4]!)) return { status: 400, body: '', headers };
    const voice = match[3]!;
    if (!/Neural$/.test(voice) || (this.voices && !this.voices.has(voice))) return { status: 400, body: '', headers };
    const text = match[4]!.replace(/&(lt|gt|amp|apos|quot);/g, (_, e: string) => ENTITIES[e]!);
    const sample = format.make(spokenSeconds(text));
    this.outputs.push({ text, voice, format: request.headers['x-microsoft-outputformat']!, seconds: sample.seconds, bytes: sample.bytes });
    return { status: 200, body: sample.bytes, headers: { ...headers, 'content-type': format.type } };
  }
}

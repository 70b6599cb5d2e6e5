/**
 * A local fake of ElevenLabs' text-to-speech API: `POST /v1/text-to-speech/{voice_id}?output_format=…`
 * with `xi-api-key` and a JSON body `{text, model_id, previous_text?, next_text?, language_code?}`.
 * Answers real audio (mp3_44100_128, opus_48000_64 as Ogg Opus, pcm_24000 headerless) as long as the
 * text takes to speak; errors in ElevenLabs' shape `{"detail": {"status", "message"}}`: 401
 * invalid_api_key, 400 voice_not_found / max_character_limit_exceeded, 422 validation. Replies can be
 * scripted (429 too_many_concurrent_requests / system_busy, 5xx, hangs, dropped connections).
 */
import { FakeHttpServer, type FakeReply, type RecordedRequest } from '../../support/llm-fake-server';
import { mp3, oggOpus, pcm, type Sample, spokenSeconds } from '../audio/samples';
import type { FakeSpeechOutput } from '../azure-speech/fake-azure-speech';

const FORMATS: Record<string, { type: string; make: (s: number) => Sample }> = {
  mp3_44100_128: { type: 'audio/mpeg', make: (s) => mp3(s) },
  opus_48000_64: { type: 'audio/ogg', make: (s) => oggOpus(s) },
  pcm_24000: { type: 'audio/pcm', make: (s) => pcm(s, 24_000) },
};

const detail = (status: number, code: string, message: string, headers: Record<string, string> = {}): FakeReply => ({ status, body: { detail: { status: code, message } }, headers });

export const elevenLabsErrors = {
  busy: (): FakeReply => detail(429, 'system_busy', 'We are experiencing heavy traffic, please try again later.'),
  tooManyConcurrent: (): FakeReply => detail(429, 'too_many_concurrent_requests', 'Too many concurrent requests for your subscription.'),
  quota: (): FakeReply => detail(401, 'quota_exceeded', 'This request exceeds your quota. You have 12 credits remaining, while 400 credits are required.'),
  serverError: (): FakeReply => detail(500, 'internal_error', 'Internal server error.'),
};

export class FakeElevenLabs {
  readonly server: FakeHttpServer;
  readonly outputs: Array<FakeSpeechOutput & { body: Record<string, unknown> }> = [];
  private ids = 0;

  private constructor(
    readonly keys: Set<string>,
    readonly voices: Set<string>,
    private readonly anyKey = false,
  ) {
    this.server = new FakeHttpServer((method, path) => (method === 'POST' && /^\/v1\/text-to-speech\/[^/]+$/.test(path) ? 'tts' : 'unknown'), (r) => this.handle(r));
  }

  static async start(options: { keys: string[]; voices?: string[]; anyKey?: boolean; port?: number }): Promise<FakeElevenLabs> {
    const voices = options.voices ?? ['21m00Tcm4TlvDq8ikWAM', 'EXAVITQu4vr4xnSDxMaL', 'pNInz6obpgDQGcFmaJgB', 'TxGEqnHWrfWFTfGW9XZX', 'ThT5KcBeYPX3keUQqHPh', 'onwK4e9ZLuTAKqWW03F9'];
    const fake = new FakeElevenLabs(new Set(options.keys), new Set(voices), options.anyKey);
    await fake.server.start(options.port);
    return fake;
  }

  get baseUrl(): string {
    return this.server.origin;
  }

  script(...replies: FakeReply[]): void {
    this.server.script('tts', ...replies);
  }

  requests(key?: string): RecordedRequest[] {
    return this.server.on('tts').filter((r) => key === undefined || r.headers['xi-api-key'] === key);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(request: RecordedRequest): FakeReply {
    const headers = { 'request-id': `el-${++this.ids}` };
    const reply = (r: FakeReply): FakeReply => ({ ...r, headers: { ...headers, ...r.headers } });
    if (request.route !== 'tts') return reply(detail(404, 'not_found', 'Not found'));
    if (!this.anyKey && !this.keys.has(request.headers['xi-api-key'] ?? '')) return reply(detail(401, 'invalid_api_key', 'Invalid API key'));
    const voice = decodeURIComponent(request.path.split('/').pop()!);
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body.text !== 'string' || !body.text) return reply({ status: 422, body: { detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'value_error.missing' }] } });
    if (body.text.length > 10_000) return reply(detail(400, 'max_character_limit_exceeded', `Text is too long (${body.text.length} characters). Maximum allowed is 10000 characters.`));
    if (!this.voices.has(voice)) return reply(detail(400, 'voice_not_found', `A voice with the voice_id ${voice} was not found.`));
    return this.speak(request, voice, body, reply);
  }

  private speak(request: RecordedRequest, voice: string, body: Record<string, unknown>, reply: (r: FakeReply) => FakeReply): FakeReply {
    const formatName = request.query.get('output_format') ?? 'mp3_44100_128';
    const format = FORMATS[formatName];
    if (!format) return reply({ status: 422, body: { detail: [{ loc: ['query', 'output_format'], msg: `unsupported output format ${formatName}`, type: 'value_error' }] } });
    const text = body.text as string;
    const sample = format.make(spokenSeconds(text));
    this.outputs.push({ text, voice, format: formatName, seconds: sample.seconds, bytes: sample.bytes, body });
    return reply({ status: 200, body: sample.bytes, headers: { 'content-type': format.type } });
  }
}

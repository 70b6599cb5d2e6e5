/**
 * A local fake of Coqui TTS's `tts-server` (idiap/coqui-ai-TTS): `POST /api/tts` with form fields
 * `text`, `speaker_id`, `language_id` → `audio/wav` (22.05 kHz mono, as long as the text takes to
 * speak). No auth, like the real server; an unknown speaker fails as Flask fails (500, HTML). It also
 * serializes synthesis (one request at a time), like the real server's lock. Replies can be scripted.
 */
import { FakeHttpServer, type FakeReply, type RecordedRequest } from '../../support/llm-fake-server';
import { spokenSeconds, wavSample } from '../audio/samples';
import type { FakeSpeechOutput } from '../azure-speech/fake-azure-speech';

export class FakeCoqui {
  readonly server: FakeHttpServer;
  readonly outputs: Array<FakeSpeechOutput & { language: string }> = [];

  private constructor(readonly speakers: Set<string>) {
    this.server = new FakeHttpServer((method, path) => (method === 'POST' && path === '/api/tts' ? 'tts' : 'unknown'), (r) => this.handle(r));
  }

  static async start(options: { speakers?: string[]; port?: number } = {}): Promise<FakeCoqui> {
    const fake = new FakeCoqui(new Set(options.speakers ?? ['Claribel Dervla', 'Daisy Studious', 'Andrew Chipper', 'Damien Black']));
    await fake.server.start(options.port);
    return fake;
  }

  get baseUrl(): string {
    return this.server.origin;
  }

  script(...replies: FakeReply[]): void {
    this.server.script('tts', ...replies);
  }

  requests(): RecordedRequest[] {
    return this.server.on('tts');
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(request: RecordedRequest): FakeReply {
    if (request.route !== 'tts') return { status: 404, body: '<h1>Not Found</h1>', headers: { 'content-type': 'text/html' } };
    const form = (request.body ?? {}) as Record<string, string>;
    const text = form.text ?? request.headers.text ?? '';
    if (!text) return { status: 400, body: { message: 'text is required' } };
    if (form.speaker_id && !this.speakers.has(form.speaker_id)) {
      return { status: 500, body: `<!doctype html><title>500 Internal Server Error</title><h1>Internal Server Error</h1><p>Speaker ${form.speaker_id} is not a known speaker.</p>`, headers: { 'content-type': 'text/html' } };
    }
    const sample = wavSample(spokenSeconds(text), 22_050);
    this.outputs.push({ text, voice: form.speaker_id ?? '', language: form.language_id ?? '', format: 'wav', seconds: sample.seconds, bytes: sample.bytes });
    return { status: 200, body: sample.bytes, headers: { 'content-type': 'audio/wav' } };
  }
}

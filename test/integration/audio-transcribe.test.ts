/**
 * POST /v1/audio/transcribe end to end through the LLM service's OpenAI provider (the real SDK and the
 * OpenAI fake): audio by URL (fetched behind the SSRF guard, size and type checked before anything is
 * uploaded) or base64; segments and a confidence from the log-probabilities; the usage event.
 */
import { topics } from '../../shared/events/topics';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { mp3 } from '../fakes/audio/samples';
import { FAKE_TOKEN_LOGPROB, fakeSegments, FakeOpenAi, openAiErrors } from '../fakes/openai/fake-openai';
import { callAudio } from '../support/audio';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { MediaServer, newKey, wav, workspaceKeys } from '../support/llm';
import { drainOutbox } from '../support/outbox';

let openai: FakeOpenAi;
let media: MediaServer;

beforeAll(async () => {
  Object.assign(process.env, { IONFLUX_LLM_BACKOFF_BASE_MS: '10' });
  await useLocalServices();
  [openai, media] = await Promise.all([FakeOpenAi.start({ keys: [] }), new MediaServer().start()]);
});

afterAll(async () => {
  await Promise.all([openai?.close(), media?.close()]);
  delete process.env.IONFLUX_LLM_BACKOFF_BASE_MS;
  await resetEnvironment();
});

async function workspace() {
  openai.server.clearScript();
  const ws = newWorkspaceId('stt');
  const key = newKey('sk-proj');
  openai.keys.add(key);
  await workspaceKeys(ws, { openai: { key, baseUrl: openai.baseUrl } });
  return { ws, uploads: () => openai.on('transcriptions').filter((r) => r.headers.authorization === `Bearer ${key}`) };
}

/** exp of the duration-weighted mean avg_logprob of the fake's segments (docs/audio.md). */
function expectedConfidence(seconds: number): number {
  const segments = fakeSegments('x', seconds);
  const weights = segments.map((s) => s.end - s.start);
  const mean = segments.reduce((n, s, i) => n + s.avg_logprob * weights[i]!, 0) / weights.reduce((a, b) => a + b, 0);
  return Math.round(Math.exp(mean) * 1000) / 1000;
}

it('transcribes audio by URL with Whisper: transcript, ISO language, segments, confidence, duration', async () => {
  const { ws, uploads } = await workspace();
  const url = media.add(`/${ws}/note.wav`, { body: wav(5.5), contentType: 'audio/wav' });
  const res = await callAudio('transcribe', { workspace_id: ws, audio_url: url, language: 'en-US', provider: 'openai_whisper' });
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ status: 'success', provider: 'openai_whisper', model: 'whisper-1', language: 'en', duration_seconds: 5.5 });
  expect(res.json.transcript).toMatch(/^transcript of input\.wav \(audio\/wav, \d+ bytes, 5\.50 s\) in en$/);
  expect(res.json.segments).toHaveLength(3);
  expect(res.json.segments[0]).toEqual({ start: 0, end: 2, text: expect.any(String) });
  expect(res.json.confidence).toBe(expectedConfidence(5.5));
  expect(res.json.cost_usd).toBeCloseTo((5.5 / 60) * 0.006, 8);
  const [upload] = uploads();
  expect(upload!.body).toMatchObject({ model: 'whisper-1', response_format: 'verbose_json', language: 'en' });
});

it('detects the language when none is given (Whisper says "english": answered as "en")', async () => {
  const { ws } = await workspace();
  const res = await callAudio('transcribe', { workspace_id: ws, audio_base64: wav(2).toString('base64') });
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ language: 'en', provider: 'openai_whisper' });
});

it('takes base64 audio (URL-safe alphabet too) and a gpt-4o model, whose confidence comes from token log-probabilities', async () => {
  const { ws, uploads } = await workspace();
  const audio = mp3(3).bytes.toString('base64url');
  const res = await callAudio('transcribe', { workspace_id: ws, audio_base64: audio, model: 'gpt-4o-mini-transcribe' });
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ model: 'gpt-4o-mini-transcribe', confidence: Math.round(Math.exp(FAKE_TOKEN_LOGPROB) * 1000) / 1000 });
  expect(res.json.segments).toBeUndefined();
  expect(uploads()[0]!.files.file!.type).toBe('audio/mpeg');
});

it('checks the audio before any upload: SSRF, size, type, exactly one source', async () => {
  const { ws, uploads } = await workspace();
  const big = media.add(`/${ws}/big.wav`, { body: Buffer.alloc(26 * 1024 * 1024), contentType: 'audio/wav' });
  const text = media.add(`/${ws}/page.html`, { body: Buffer.from('<html></html>'), contentType: 'text/html' });
  const notAudio = media.add(`/${ws}/fake.wav`, { body: Buffer.from('this is not audio at all'), contentType: 'audio/wav' });
  const cases: Array<[Record<string, unknown>, number, string]> = [
    [{ audio_url: 'http://169.254.169.254/latest/meta-data/' }, 400, 'unsafe_url'],
    [{ audio_url: 'https://10.0.0.5/a.wav' }, 400, 'unsafe_url'],
    [{ audio_url: 'file:///etc/passwd' }, 400, 'unsafe_url'],
    [{ audio_url: big }, 413, 'input_too_large'],
    [{ audio_url: text }, 415, 'unsupported_input_type'],
    [{ audio_url: notAudio }, 415, 'unsupported_input_type'],
    [{ audio_base64: Buffer.from('hello').toString('base64') }, 415, 'unsupported_input_type'],
    [{}, 400, 'invalid_body'],
    [{ audio_url: 'https://x.example/a.wav', audio_base64: 'AAAA' }, 400, 'invalid_body'],
    [{ audio_base64: 'AAAA', model: 'gpt-4o' }, 400, 'unsupported_task'],
    [{ audio_base64: 'AAAA', language: '??' }, 400, 'invalid_body'],
  ];
  for (const [extra, status, code] of cases) {
    const res = await callAudio('transcribe', { workspace_id: ws, ...extra });
    expect({ extra, status: res.status, code: res.json.error?.code }).toEqual({ extra, status, code });
  }
  expect(uploads()).toHaveLength(0);
});

it('retries a 503 on the same provider; publishes one usage event with the seconds', async () => {
  const { ws, uploads } = await workspace();
  openai.script('transcriptions', openAiErrors.unavailable());
  const startedAt = Date.now();
  const res = await callAudio('transcribe', { workspace_id: ws, audio_base64: wav(1.5).toString('base64') });
  expect(res.status).toBe(200);
  expect(res.json.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['error', 'success']);
  expect(uploads()).toHaveLength(2);
  await drainOutbox();
  const [event] = (await eventBus().readAll(topics.platform('audio_usage'), { since: startedAt })).map((r) => JSON.parse(r.value)).filter((e) => e.workspace_id === ws);
  expect(event).toMatchObject({ event_type: 'audio.usage.recorded', payload_json: { operation: 'transcribe', status: 'success', provider: 'openai_whisper', model: 'whisper-1', seconds: 1.5, request_id: res.json.request_id } });
});

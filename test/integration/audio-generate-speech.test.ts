/**
 * POST /v1/audio/generate-speech end to end: the real handler, the real provider clients talking to fakes
 * of Azure Speech, ElevenLabs, OpenAI and Coqui that answer real audio bytes, S3 on moto, usage events
 * through the outbox to the real Kafka broker. Each provider and format; durations measured within
 * 50 ms; the presigned URL serves the same bytes; fallback order on 429/5xx/timeouts/dropped
 * connections; content errors end the chain with the provider's reason; the per-workspace cache; long
 * text split at sentences and joined.
 */
import { topics } from '../../shared/events/topics';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { platformSecretName } from '../../shared/secrets/names';
import { azureErrors, FakeAzureSpeech } from '../fakes/azure-speech/fake-azure-speech';
import { FakeCoqui } from '../fakes/coqui/fake-coqui';
import { elevenLabsErrors, FakeElevenLabs } from '../fakes/elevenlabs/fake-elevenlabs';
import { FakeOpenAi, openAiErrors } from '../fakes/openai/fake-openai';
import { callAudio, outcomes } from '../support/audio';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { newKey, workspaceKeys } from '../support/llm';
import { drainOutbox } from '../support/outbox';
import { storeSecret } from '../support/secrets';

let azure: FakeAzureSpeech;
let elevenlabs: FakeElevenLabs;
let openai: FakeOpenAi;
let coqui: FakeCoqui;

beforeAll(async () => {
  Object.assign(process.env, { IONFLUX_LLM_BACKOFF_BASE_MS: '10', IONFLUX_LLM_ATTEMPT_TIMEOUT_MS: '8000' });
  await useLocalServices();
  [azure, elevenlabs, openai, coqui] = await Promise.all([
    FakeAzureSpeech.start({ keys: [], voices: ['en-US-JennyNeural', 'en-US-GuyNeural', 'pt-BR-FranciscaNeural', 'en-GB-SoniaNeural'] }),
    FakeElevenLabs.start({ keys: [] }),
    FakeOpenAi.start({ keys: [] }),
    FakeCoqui.start(),
  ]);
});

afterAll(async () => {
  await Promise.all([azure?.close(), elevenlabs?.close(), openai?.close(), coqui?.close()]);
  delete process.env.IONFLUX_LLM_BACKOFF_BASE_MS;
  delete process.env.IONFLUX_LLM_ATTEMPT_TIMEOUT_MS;
  await resetEnvironment();
});

/** A workspace with its own key for every provider (accepted by the fakes): cooldowns never cross scenarios. */
async function scenario() {
  for (const fake of [azure.server, elevenlabs.server, openai.server, coqui.server]) fake.clearScript();
  const ws = newWorkspaceId('tts');
  const keys = { azure: newKey('az'), elevenlabs: newKey('el'), openai: newKey('sk-proj') };
  azure.keys.add(keys.azure);
  elevenlabs.keys.add(keys.elevenlabs);
  openai.keys.add(keys.openai);
  await workspaceKeys(ws, {
    'azure-speech': { key: keys.azure, baseUrl: azure.baseUrl },
    elevenlabs: { key: keys.elevenlabs, baseUrl: elevenlabs.baseUrl },
    openai: { key: keys.openai, baseUrl: openai.baseUrl },
    coqui: { key: newKey('coqui'), baseUrl: coqui.baseUrl },
  });
  return {
    ws,
    keys,
    calls: () => ({
      azure: azure.requests(keys.azure).length,
      elevenlabs: elevenlabs.requests(keys.elevenlabs).length,
      openai: openai.keysUsed('speech').filter((k) => k === keys.openai).length,
    }),
  };
}

/** Settings are read once per execution environment: change them and start a new one. */
async function withSettings(env: Record<string, string>): Promise<void> {
  Object.assign(process.env, env);
  await resetEnvironment();
}

const speak = (ws: string, extra: Record<string, unknown> = {}, timeoutS?: number) =>
  callAudio('generate-speech', { workspace_id: ws, text: 'Good morning! Your store sold 42 orders yesterday.', voice_id: 'azure_neural_jenny', ...extra }, timeoutS ? { timeoutS } : {});

const download = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
};

describe('each provider, each format: real audio, measured, stored, served', () => {
  const cases: Array<[string, string, () => { seconds: number; bytes: Buffer } | undefined]> = [
    ['azure', 'mp3', () => azure.outputs.at(-1)],
    ['azure', 'ogg_opus', () => azure.outputs.at(-1)],
    ['azure', 'wav', () => azure.outputs.at(-1)],
    ['elevenlabs', 'mp3', () => elevenlabs.outputs.at(-1)],
    ['elevenlabs', 'ogg_opus', () => elevenlabs.outputs.at(-1)],
    ['elevenlabs', 'wav', () => elevenlabs.outputs.at(-1)],
    ['openai', 'mp3', () => openai.speechOutputs.at(-1)],
    ['openai', 'ogg_opus', () => openai.speechOutputs.at(-1)],
    ['openai', 'wav', () => openai.speechOutputs.at(-1)],
    ['coqui', 'wav', () => coqui.outputs.at(-1)],
  ];
  it.each(cases)('%s → %s', async (provider, format, produced) => {
    const s = await scenario();
    const res = await speak(s.ws, { provider_preference: [provider], output_format: format });
    expect(res.status).toBe(200);
    const out = produced()!;
    expect(res.json).toMatchObject({ status: 'success', provider, format, cached: false, language: 'en-US', requested_voice_id: 'azure_neural_jenny' });
    expect(res.json.voice_id).toMatch(new RegExp(`^${provider}:`));
    expect(Math.abs(res.json.duration_seconds - out.seconds)).toBeLessThan(0.05);
    expect(new Date(res.json.expires_at).getTime() - Date.now()).toBeGreaterThan(3500 * 1000);
    expect(res.json.attempts).toEqual([expect.objectContaining({ provider, outcome: 'success', ms: expect.any(Number) })]);

    // The presigned URL (moto) serves exactly what was stored.
    expect(res.json.audio_url).toMatch(/X-Amz-Signature=/);
    expect(res.json.audio_url).toMatch(/X-Amz-Expires=3600/);
    const file = await download(res.json.audio_url);
    expect(file.status).toBe(200);
    expect(file.bytes.length).toBe(res.json.bytes);
    expect(file.type).toBe(res.json.content_type);
    // Providers answering the format itself are stored byte for byte; ElevenLabs' raw PCM becomes a WAV.
    if (!(provider === 'elevenlabs' && format === 'wav')) expect(file.bytes.equals(out.bytes)).toBe(true);
    else expect(file.bytes.toString('latin1', 0, 4)).toBe('RIFF');
  });

  it('sends each provider the equivalent voice, in the request’s language', async () => {
    const s = await scenario();
    const res = await speak(s.ws, { voice_id: 'openai:nova', language: 'pt-BR', provider_preference: ['azure'], text: 'Bom dia! Você vendeu 42 pedidos ontem.' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ provider: 'azure', voice_id: 'azure:pt-BR-FranciscaNeural', language: 'pt-BR' });
    const ssml = azure.requests(s.keys.azure).at(-1)!.body as string;
    expect(ssml).toContain("xml:lang='pt-BR'");
    expect(ssml).toContain("name='pt-BR-FranciscaNeural'");
    expect(ssml).toContain("xml:gender='Female'");
    const coquiRes = await speak(s.ws, { voice_id: 'openai:onyx', language: 'de', provider_preference: ['coqui'], output_format: 'wav', text: 'Guten Morgen.' });
    expect(coquiRes.json).toMatchObject({ provider: 'coqui', voice_id: 'coqui:andrew-chipper' });
    expect(coqui.requests().at(-1)!.body).toMatchObject({ speaker_id: 'Andrew Chipper', language_id: 'de', text: 'Guten Morgen.' });
  });

  it('escapes the text in SSML', async () => {
    const s = await scenario();
    const text = `Tom & Jerry's "deal" <50% off>`;
    const res = await speak(s.ws, { text, provider_preference: ['azure'] });
    expect(res.status).toBe(200);
    expect(azure.outputs.at(-1)!.text).toBe(text);
  });
});

describe('fallback', () => {
  it('azure 503 (retried) → elevenlabs 429 busy (retried) → openai answers in the equivalent voice; every attempt reported in order', async () => {
    const s = await scenario();
    azure.script(azureErrors.unavailable(), azureErrors.unavailable(), azureErrors.unavailable());
    elevenlabs.script(elevenLabsErrors.busy(), elevenLabsErrors.busy(), elevenLabsErrors.busy());
    const res = await speak(s.ws, { provider_preference: ['azure', 'elevenlabs', 'openai', 'coqui'] });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ provider: 'openai', voice_id: 'openai:nova' });
    expect(outcomes(res.json.attempts)).toEqual([
      'azure:error:503:overloaded',
      'azure:error:503:overloaded',
      'azure:error:503:overloaded',
      'elevenlabs:error:429:rate_limited',
      'elevenlabs:error:429:rate_limited',
      'elevenlabs:error:429:rate_limited',
      'openai:success',
    ]);
    expect(res.json.attempts[0]).toMatchObject({ voice_id: 'azure:en-US-JennyNeural', retryable: true });
    expect(res.json.attempts[3]).toMatchObject({ voice_id: 'elevenlabs:21m00Tcm4TlvDq8ikWAM', provider_error_code: 'system_busy' });
    expect(s.calls()).toEqual({ azure: 3, elevenlabs: 3, openai: 1 });
  });

  it('timeouts and dropped connections fall back too', async () => {
    // Short attempts for this scenario only (the others keep 8 s: a loaded machine must not time them out).
    await withSettings({ IONFLUX_LLM_ATTEMPT_TIMEOUT_MS: '500' });
    const s = await scenario();
    azure.script({ status: 200, hang: true }, { status: 200, hang: true }, { status: 200, hang: true });
    elevenlabs.script({ status: 200, reset: true }, { status: 200, reset: true }, { status: 200, reset: true });
    const res = await speak(s.ws, { provider_preference: ['azure', 'elevenlabs', 'openai'] });
    expect(res.status).toBe(200);
    expect(res.json.provider).toBe('openai');
    expect(outcomes(res.json.attempts)).toEqual(['azure:error:timeout', 'azure:error:timeout', 'azure:error:timeout', 'elevenlabs:error:network_error', 'elevenlabs:error:network_error', 'elevenlabs:error:network_error', 'openai:success']);
    await withSettings({ IONFLUX_LLM_ATTEMPT_TIMEOUT_MS: '8000' });
  });

  it('a provider with no key configured is passed over (the default chain starts with the voice’s provider)', async () => {
    const ws = newWorkspaceId('tts_nokey');
    const key = newKey('sk-proj');
    openai.keys.add(key);
    // Only OpenAI mapped; the platform's azure-speech and elevenlabs secrets hold {} (as deployed).
    await workspaceKeys(ws, { openai: { key, baseUrl: openai.baseUrl } });
    await storeSecret(platformSecretName(secretRoot(), 'azure-speech'), {});
    await storeSecret(platformSecretName(secretRoot(), 'elevenlabs'), {});
    const res = await speak(ws);
    expect(res.status).toBe(200);
    expect(res.json.provider).toBe('openai');
    expect(res.json.attempts.slice(0, 2)).toEqual([
      expect.objectContaining({ provider: 'azure', outcome: 'error', error_code: 'secret_not_configured' }),
      expect.objectContaining({ provider: 'elevenlabs', outcome: 'error', error_code: 'secret_not_configured', message: expect.stringContaining('has no "api_key"') }),
    ]);
  });

  it('503 from every provider → 503 with Retry-After and every attempt', async () => {
    const s = await scenario();
    azure.script(azureErrors.throttled(1), azureErrors.throttled(1), azureErrors.throttled(1));
    openai.script('speech', openAiErrors.unavailable(), openAiErrors.unavailable(), openAiErrors.unavailable());
    const res = await speak(s.ws, { provider_preference: ['azure', 'openai'] });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json.error).toMatchObject({ code: 'provider_unavailable' });
    expect(res.json.error.details.attempts.map((a: { provider: string }) => a.provider)).toEqual(['azure', 'azure', 'azure', 'openai', 'openai', 'openai']);
  });
});

describe('content errors: a 4xx with the provider’s reason, no fallback', () => {
  it('Azure refuses a voice it does not have (400) → 400, ElevenLabs and OpenAI never called', async () => {
    const s = await scenario();
    const res = await speak(s.ws, { voice_id: 'azure:en-US-AvaMultilingualNeural', provider_preference: ['azure', 'elevenlabs', 'openai'] });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'provider_rejected_request' });
    expect(res.json.error.message).toMatch(/^azure rejected the request with 400/);
    expect(s.calls()).toEqual({ azure: 1, elevenlabs: 0, openai: 0 });
  });

  it('ElevenLabs voice_not_found → 400 naming it, no fallback', async () => {
    const s = await scenario();
    const res = await speak(s.ws, { voice_id: 'elevenlabs:NoSuchVoice12345', provider_preference: ['elevenlabs', 'openai'] });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('voice_not_found');
    expect(res.json.error.message).toContain('A voice with the voice_id NoSuchVoice12345 was not found.');
    expect(res.json.error.details.attempts).toEqual([expect.objectContaining({ provider: 'elevenlabs', status: 400, provider_error_code: 'voice_not_found' })]);
    expect(s.calls().openai).toBe(0);
  });

  it('requests we cannot serve are 400 before any call', async () => {
    const s = await scenario();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ voice_id: 'nobody' }, 'unknown_voice'],
      [{ voice_id: 'azure_neural_jenny', language: 'pt-BR' }, 'voice_language_mismatch'],
      [{ provider_preference: ['coqui'], output_format: 'mp3' }, 'no_provider_can_serve'],
      [{ text: '   ' }, 'invalid_body'],
      [{ text: 'x'.repeat(20_001) }, 'invalid_body'],
      [{ output_format: 'flac' }, 'invalid_body'],
      [{ provider_preference: ['polly'] }, 'invalid_body'],
      [{ voice: 'x' }, 'invalid_body'],
    ];
    for (const [extra, code] of cases) {
      const res = await speak(s.ws, extra);
      expect({ extra, status: res.status, code: res.json.error?.code }).toEqual({ extra, status: 400, code });
    }
    expect(s.calls()).toEqual({ azure: 0, elevenlabs: 0, openai: 0 });
  });
});

describe('the per-workspace content cache', () => {
  it('the same text, voice and format again: the stored audio, no provider call, cached: true', async () => {
    const s = await scenario();
    const first = await speak(s.ws, { output_format: 'ogg_opus' });
    expect(first.json).toMatchObject({ cached: false, provider: 'azure' });
    const again = await speak(s.ws, { output_format: 'ogg_opus' });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ cached: true, provider: 'azure', voice_id: 'azure:en-US-JennyNeural', bytes: first.json.bytes, duration_seconds: first.json.duration_seconds, characters: 0, attempts: [] });
    expect(s.calls().azure).toBe(1);
    expect((await download(again.json.audio_url)).bytes.equals((await download(first.json.audio_url)).bytes)).toBe(true);

    // Another format, another text: not the same content.
    await speak(s.ws, { output_format: 'mp3' });
    await speak(s.ws, { output_format: 'ogg_opus', text: 'Good morning! Your store sold 43 orders yesterday.' });
    expect(s.calls().azure).toBe(3);
  });

  it('serves the audio a fallback made, when the preferred provider has none', async () => {
    const s = await scenario();
    azure.script(azureErrors.unavailable(), azureErrors.unavailable(), azureErrors.unavailable());
    const first = await speak(s.ws, { provider_preference: ['azure', 'openai'] });
    expect(first.json.provider).toBe('openai');
    const again = await speak(s.ws, { provider_preference: ['azure', 'openai'] });
    expect(again.json).toMatchObject({ cached: true, provider: 'openai', voice_id: 'openai:nova' });
    expect(s.calls()).toEqual({ azure: 3, elevenlabs: 0, openai: 1 });
  });

  it('is per workspace', async () => {
    const a = await scenario();
    const b = await scenario();
    await speak(a.ws);
    const other = await speak(b.ws);
    expect(other.json.cached).toBe(false);
    expect(b.calls().azure).toBe(1);
  });
});

describe('long text', () => {
  const sentence = (i: number) => `Sentence number ${i} tells the team how the campaign performed yesterday across every channel. `;
  const longText = Array.from({ length: 110 }, (_, i) => sentence(i)).join('').trim();

  it('is split at sentence boundaries under OpenAI’s 4,096 characters, synthesised, and joined into one Ogg Opus file', async () => {
    const s = await scenario();
    expect(longText.length).toBeGreaterThan(9000);
    const before = openai.speechOutputs.length;
    const res = await speak(s.ws, { text: longText, provider_preference: ['openai'], output_format: 'ogg_opus' });
    expect(res.status).toBe(200);
    const parts = openai.speechOutputs.slice(before);
    expect(parts.length).toBe(3);
    for (const part of parts) {
      expect(part.text.length).toBeLessThanOrEqual(4096);
      expect(part.text).toMatch(/^Sentence number \d+ .*yesterday across every channel\.$/s);
    }
    expect(parts.map((p) => p.text).join(' ')).toBe(longText);
    const total = parts.reduce((n, p) => n + p.seconds, 0);
    expect(Math.abs(res.json.duration_seconds - total)).toBeLessThan(0.05);
    // Billed: the characters sent (the whitespace between chunks is not).
    expect(res.json.characters).toBe(parts.reduce((n, p) => n + p.text.length, 0));
    const file = await download(res.json.audio_url);
    expect(file.type).toBe('audio/ogg');
    expect(file.bytes.toString('latin1', 0, 4)).toBe('OggS');
  });

  it('ElevenLabs gets the neighbouring text for intonation; a failed chunk is asked again alone', async () => {
    const s = await scenario();
    const before = elevenlabs.outputs.length;
    // 10,000+ characters at 5,000 a request: three chunks, two at a time; one answers 500 once.
    elevenlabs.script(elevenLabsErrors.serverError());
    const res = await speak(s.ws, { voice_id: 'elevenlabs_rachel', text: longText, provider_preference: ['elevenlabs'] });
    expect(res.status).toBe(200);
    expect(outcomes(res.json.attempts)).toEqual(['elevenlabs:error:500:server_error', 'elevenlabs:success']);
    const made = elevenlabs.outputs.slice(before);
    expect(made).toHaveLength(3);
    // Three chunks made once each, plus the one request that failed.
    expect(elevenlabs.requests(s.keys.elevenlabs)).toHaveLength(4);
    const [first, second, third] = [...made].sort((a, b) => longText.indexOf(a.text) - longText.indexOf(b.text));
    expect(first!.body.previous_text).toBeUndefined();
    expect(first!.body.next_text).toBe(second!.text.slice(0, 500));
    expect(second!.body.previous_text).toBe(first!.text.slice(-500));
    expect(third!.body.next_text).toBeUndefined();
    expect(Math.abs(res.json.duration_seconds - made.reduce((n, m) => n + m.seconds, 0))).toBeLessThan(0.05);
  });
});

describe('usage events on ionflux.platform.audio_usage (real Kafka, through the outbox)', () => {
  it('one per call: characters, provider, cost; cached calls too', async () => {
    const s = await scenario();
    const startedAt = Date.now();
    const made = await speak(s.ws, { provider_preference: ['openai'] });
    const cached = await speak(s.ws, { provider_preference: ['openai'] });
    await drainOutbox();
    const events = (await eventBus().readAll(topics.platform('audio_usage'), { since: startedAt })).map((r) => JSON.parse(r.value)).filter((e) => e.workspace_id === s.ws);
    expect(events).toHaveLength(2);
    const byRequest = Object.fromEntries(events.map((e) => [e.payload_json.request_id, e]));
    const text = 'Good morning! Your store sold 42 orders yesterday.';
    expect(byRequest[made.json.request_id]).toMatchObject({
      event_type: 'audio.usage.recorded',
      payload_json: { operation: 'generate_speech', status: 'success', provider: 'openai', voice_id: 'openai:nova', cached: false, characters: text.length, cost_usd: (text.length * 15) / 1e6, format: 'mp3', key_source: 'workspace' },
    });
    expect(byRequest[cached.json.request_id].payload_json).toMatchObject({ cached: true, characters: 0, cost_usd: 0 });
  });
});

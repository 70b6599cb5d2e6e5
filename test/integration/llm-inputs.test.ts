/**
 * Inputs by URL through the real handlers (local mode: http to loopback allowed, as in `npm run dev`):
 * size limits enforced from the declared length and while reading, content-type and format checks,
 * timeouts, redirects re-checked, private addresses refused, data: URLs — and no provider call when the
 * input is refused. (The non-local rules — https only, DNS answers checked — are in
 * test/unit/llm-network-guard.test.ts.)
 */
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { FakeOpenAi } from '../fakes/openai/fake-openai';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { callLlm, MediaServer, newKey, platformKey, pngLike, wav } from '../support/llm';

let openai: FakeOpenAi;
let media: MediaServer;
const key = newKey('sk-proj');
const MB = 1024 * 1024;

beforeAll(async () => {
  // Long enough for 25 MB over loopback on a busy machine; the slow server below waits well beyond it.
  process.env.IONFLUX_LLM_INPUT_TIMEOUT_MS = '2000';
  await useLocalServices();
  [openai, media] = await Promise.all([FakeOpenAi.start({ keys: [key] }), new MediaServer().start()]);
  await platformKey('openai', key, openai.baseUrl);
});

afterAll(async () => {
  await Promise.all([openai?.close(), media?.close()]);
  delete process.env.IONFLUX_LLM_INPUT_TIMEOUT_MS;
  await resetEnvironment();
});

const transcribe = (url: string) => callLlm('speech_to_text', { workspace_id: newWorkspaceId('in'), model: 'whisper-1', audio_input_url: url });
const describeImage = (url: string) => callLlm('image_understanding', { workspace_id: newWorkspaceId('in'), model: 'gpt-4o', image_input_url: url, prompt: 'what' });
const providerCalls = () => openai.server.requests.length;

describe('audio_input_url', () => {
  it('is fetched and sent when it is a real audio file (also through a redirect and via localhost)', async () => {
    const audio = wav(0.5);
    media.add('/a/real.wav', { body: audio, contentType: 'audio/wav' });
    const redirect = media.add('/a/moved', { body: Buffer.alloc(0), status: 302, location: '/a/real.wav' });
    const res = await transcribe(redirect);
    expect(res.status).toBe(200);
    expect(openai.on('transcriptions').at(-1)!.files.file!.bytes.equals(audio)).toBe(true);
    expect((await transcribe(media.url('/a/real.wav', 'localhost'))).status).toBe(200);
  });

  it('over the limit (25 MB less room for the multipart request): 413 from the declared length (nothing downloaded), and 413 while reading when no length is declared', async () => {
    const big = Buffer.concat([wav(0.1), Buffer.alloc(25 * MB)]);
    const before = providerCalls();
    const declared = await transcribe(media.add('/a/big.wav', { body: big, contentType: 'audio/wav' }));
    expect(declared.status).toBe(413);
    // OpenAI's 25 MB covers the whole multipart request: the file's own limit keeps 64 KB for the rest.
    const limit = 25 * MB - 64 * 1024;
    expect(declared.json.error).toMatchObject({ code: 'input_too_large', details: { limit_bytes: limit } });
    expect(declared.json.error.message).toBe(`audio_input_url is ${big.length} bytes; the limit is ${limit} bytes`);
    const streamed = await transcribe(media.add('/a/big-chunked.wav', { body: big, contentType: 'audio/wav', chunked: true }));
    expect(streamed.status).toBe(413);
    expect(streamed.json.error.message).toBe(`audio_input_url is too large; the limit is ${limit} bytes`);
    expect(providerCalls()).toBe(before);
  });

  it('415 for a non-audio content type, and for bytes that are not a supported audio format whatever the header says', async () => {
    const before = providerCalls();
    const html = await transcribe(media.add('/a/page', { body: Buffer.from('<html></html>'), contentType: 'text/html; charset=utf-8' }));
    expect(html.status).toBe(415);
    expect(html.json.error).toMatchObject({ code: 'unsupported_input_type', message: 'audio_input_url has content-type text/html; charset=utf-8; audio expected' });
    const lying = await transcribe(media.add('/a/fake.mp3', { body: Buffer.from('<html>not audio</html>'), contentType: 'audio/mpeg' }));
    expect(lying.status).toBe(415);
    expect(lying.json.error.message).toBe('audio_input_url is not a supported audio file (wav, mp3, m4a/mp4, ogg, flac, webm)');
    expect(providerCalls()).toBe(before);
  });

  it('422 when the server answers an error or is too slow', async () => {
    const missing = await transcribe(media.url('/a/missing.wav'));
    expect(missing.status).toBe(422);
    expect(missing.json.error).toMatchObject({ code: 'input_fetch_failed', message: 'audio_input_url could not be fetched: the server answered 404', details: { status: 404 } });
    const started = Date.now();
    const slow = await transcribe(media.add('/a/slow.wav', { body: wav(0.1), contentType: 'audio/wav', delayMs: 8000 }));
    expect(slow.status).toBe(422);
    expect(slow.json.error.message).toMatch(/^audio_input_url could not be fetched: no complete response within \d+ ms$/);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('refuses other schemes, credentials in the URL, private addresses (also behind a redirect) and redirect loops', async () => {
    const before = providerCalls();
    const cases: Array<[string, number, string]> = [
      ['ftp://127.0.0.1/a.wav', 400, 'unsafe_url'],
      ['file:///etc/passwd', 400, 'unsafe_url'],
      [media.url('/a/real.wav').replace('http://', 'http://user:pw@'), 400, 'unsafe_url'],
      ['not a url', 400, 'invalid_url'],
      ['http://10.0.0.8/a.wav', 400, 'unsafe_url'],
      ['http://169.254.169.254/latest/meta-data/', 400, 'unsafe_url'],
      [media.add('/a/to-private', { body: Buffer.alloc(0), status: 301, location: 'http://192.168.1.10/a.wav' }), 400, 'unsafe_url'],
      [media.add('/a/loop', { body: Buffer.alloc(0), status: 302, location: '/a/loop' }), 422, 'input_fetch_failed'],
    ];
    for (const [url, status, code] of cases) {
      const res = await transcribe(url);
      expect({ url, status: res.status, code: res.json.error.code }).toEqual({ url, status, code });
    }
    expect((await transcribe('http://10.0.0.8/a.wav')).json.error.message).toBe('audio_input_url is refused: http is allowed to loopback only; use https');
    expect(providerCalls()).toBe(before);
  });
});

describe('image_input_url', () => {
  it('a base64 data: URL works; an image over 20 MB is refused', async () => {
    const png = pngLike(1000);
    const ok = await describeImage(`data:image/png;base64,${png.toString('base64')}`);
    expect(ok.status).toBe(200);
    expect(ok.json.provider_response.image_analysis_text).toBe('echo: what [image image/png 1000 bytes]');
    const before = providerCalls();
    const big = await describeImage(media.add('/i/big.png', { body: pngLike(20 * MB + 1), contentType: 'image/png' }));
    expect(big.status).toBe(413);
    const plain = await describeImage('data:image/png,notbase64');
    expect(plain.json.error).toMatchObject({ code: 'invalid_url', message: 'image_input_url: data: URLs must be base64-encoded' });
    const notImage = await describeImage(`data:image/png;base64,${Buffer.from('GIF? no').toString('base64')}`);
    expect(notImage.json.error.code).toBe('unsupported_input_type');
    expect(providerCalls()).toBe(before);
  });
});

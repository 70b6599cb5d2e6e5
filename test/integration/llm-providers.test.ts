/**
 * Every task type × provider through the real handlers and the real SDKs, against local fakes speaking
 * the OpenAI and Anthropic wire formats (secrets in moto, usage events to the real Kafka broker): what
 * goes over the wire (model ids after aliasing, Anthropic's top-level system and required max_tokens,
 * image parts/blocks, multipart audio, DeepSeek's max_tokens), the normalised responses and usage, and
 * the 400s that come before any provider call.
 */
import { modelCatalog } from '../../shared/llm/catalog';
import { costOf } from '../../shared/llm/usage';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { FakeAnthropic } from '../fakes/anthropic/fake-anthropic';
import { FakeOpenAi, fakeEmbedding, TINY_PNG } from '../fakes/openai/fake-openai';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { callLlm, MediaServer, newKey, platformKey, pngLike, wav } from '../support/llm';

let openai: FakeOpenAi;
let deepseek: FakeOpenAi;
let tei: FakeOpenAi;
let anthropic: FakeAnthropic;
let media: MediaServer;
const keys = { openai: newKey('sk-proj'), deepseek: newKey('sk-ds'), tei: newKey('tei'), anthropic: newKey('sk-ant-api03') };

beforeAll(async () => {
  process.env.IONFLUX_LLM_BACKOFF_BASE_MS = '10';
  await useLocalServices();
  [openai, deepseek, tei, anthropic, media] = await Promise.all([
    FakeOpenAi.start({ keys: [keys.openai] }),
    FakeOpenAi.start({ dialect: 'deepseek', keys: [keys.deepseek] }),
    FakeOpenAi.start({ dialect: 'tei', keys: [keys.tei] }),
    FakeAnthropic.start({ keys: [keys.anthropic], cacheReadTokens: 2 }),
    new MediaServer().start(),
  ]);
  await Promise.all([
    platformKey('openai', keys.openai, openai.baseUrl),
    platformKey('deepseek', keys.deepseek, deepseek.baseUrl),
    platformKey('sentence-transformers', keys.tei, tei.baseUrl),
    platformKey('anthropic', keys.anthropic, anthropic.baseUrl),
  ]);
});

afterAll(async () => {
  await Promise.all([openai?.close(), deepseek?.close(), tei?.close(), anthropic?.close(), media?.close()]);
  delete process.env.IONFLUX_LLM_BACKOFF_BASE_MS;
  await resetEnvironment();
});

const price = (model: string) => modelCatalog().find(model)!.model.price;

describe('text_generation', () => {
  it('OpenAI: prompt → chat completion, usage normalised and priced', async () => {
    const ws = newWorkspaceId('llm');
    const before = openai.on('chat').length;
    const res = await callLlm('text_generation', { workspace_id: ws, task_type: 'text_generation', provider: 'openai', model: 'GPT-4o', prompt: 'say hello to the team', parameters: { max_tokens: 50, temperature: 0.2, stop: 'END' } });
    expect(res.status).toBe(200);
    expect(res.headers['server-timing']).toMatch(/^gateway;dur=[\d.]+, provider;dur=[\d.]+, publish;dur=[\d.]+$/);
    const sent = openai.on('chat').slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${keys.openai}`);
    expect(sent[0]!.body).toEqual({ model: 'gpt-4o', messages: [{ role: 'user', content: 'say hello to the team' }], max_completion_tokens: 50, temperature: 0.2, stop: ['END'] });
    expect(res.json).toMatchObject({
      status: 'success',
      task_type: 'text_generation',
      provider: 'openai',
      model: 'gpt-4o',
      requested_model: 'GPT-4o',
      provider_response: { choices: [{ index: 0, message: { role: 'assistant', content: 'echo: say hello to the team' }, finish_reason: 'stop' }], model: 'gpt-4o' },
      usage: { input_tokens: 5, output_tokens: 6, total_tokens: 11 },
      attempts: [{ provider: 'openai', model: 'gpt-4o', outcome: 'success', key_source: 'platform', billed: true }],
    });
    expect(res.json.provider_response.id).toMatch(/^chatcmpl-/);
    expect(res.json.attempts[0].provider_request_id).toMatch(/^req_/);
    expect(res.json.usage.cost_usd).toBeCloseTo((5 * 2.5 + 6 * 10) / 1e6, 12);
  });

  it('Anthropic: system prompt top-level, max_tokens always sent, no sampling parameters (API 2026-10-21), seed alias Claude 3 Haiku → claude-haiku-4-5', async () => {
    const before = anthropic.requests.length;
    const res = await callLlm('text_generation', {
      workspace_id: newWorkspaceId('llm'),
      model: 'Claude 3 Haiku',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second' },
        { role: 'user', content: 'question' },
      ],
      parameters: { temperature: 1.5, top_p: 0.9, stop: ['###'] },
    });
    expect(res.status).toBe(200);
    const [sent] = anthropic.requests.slice(before);
    expect(sent!.headers.authorization).toBe(`Bearer ${keys.anthropic}`);
    expect(sent!.headers['anthropic-version']).toBe('2026-10-21');
    // temperature and top_p are not sent: API version 2026-10-21 rejects them even at their defaults.
    expect(sent!.body).toEqual({
      model: 'claude-haiku-4-5-20251001',
      system: 'be brief',
      max_tokens: 4096,
      stop_sequences: ['###'],
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second\n\nquestion' },
      ],
    });
    expect(res.json).toMatchObject({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      requested_model: 'Claude 3 Haiku',
      provider_response: { choices: [{ message: { content: 'echo: second\n\nquestion [system: be brief]' }, finish_reason: 'stop' }], model: 'claude-haiku-4-5-20251001' },
    });
    // Anthropic's input_tokens exclude cache reads (2 here); ours include them.
    const input = 2 + 2 + 2 + 2; // the fake counts words: system prompt and three turns
    expect(res.json.usage).toMatchObject({ input_tokens: input, cached_input_tokens: 2, output_tokens: 6, total_tokens: input + 6 });
    expect(res.json.usage.cost_usd).toBeCloseTo(((input - 2) * 1 + 2 * 0.1 + 6 * 5) / 1e6, 12);
  });

  it('DeepSeek: OpenAI wire at its own base URL (no /v1), max_tokens, JSON mode; deepseek-chat → deepseek-v4-flash', async () => {
    const before = deepseek.on('chat').length;
    const res = await callLlm('text_generation', {
      workspace_id: newWorkspaceId('llm'),
      provider: 'deepseek',
      model: 'deepseek-chat',
      prompt: 'list two colours',
      parameters: { max_tokens: 100, response_format: 'json_object' },
    });
    expect(res.status).toBe(200);
    const [sent] = deepseek.on('chat').slice(before);
    expect(sent!.path).toBe('/chat/completions');
    expect(sent!.body).toMatchObject({ model: 'deepseek-v4-flash', max_tokens: 100, response_format: { type: 'json_object' } });
    expect(sent!.body.max_completion_tokens).toBeUndefined();
    expect(res.json).toMatchObject({ provider: 'deepseek', model: 'deepseek-v4-flash', requested_model: 'deepseek-chat' });
    expect(JSON.parse(res.json.provider_response.choices[0].message.content)).toEqual({ echo: 'list two colours' });
  });

  it('ds-chat-b32 (the seed name) resolves too, and max_tokens above the model cap is clamped; length is reported', async () => {
    const res = await callLlm('text_generation', { workspace_id: newWorkspaceId('llm'), model: 'ds-chat-b32', prompt: 'one two three four five', parameters: { max_tokens: 2 } });
    expect(res.status).toBe(200);
    expect(res.json.model).toBe('deepseek-v4-flash');
    expect(res.json.provider_response.choices[0]).toMatchObject({ message: { content: 'echo: one' }, finish_reason: 'length' });
  });
});

describe('embedding', () => {
  it('OpenAI: an array gives `embeddings` in order (base64 on the wire, exact float32 values back)', async () => {
    const before = openai.on('embeddings').length;
    const texts = ['first text', 'second text here'];
    const res = await callLlm('embedding', { workspace_id: newWorkspaceId('llm'), model: 'text-embedding-3-small', text_to_embed: texts });
    expect(res.status).toBe(200);
    const [sent] = openai.on('embeddings').slice(before);
    expect(sent!.body).toEqual({ model: 'text-embedding-3-small', input: texts, encoding_format: 'base64' });
    const { provider_response: out, usage } = res.json;
    expect(out.embedding).toBeUndefined();
    expect(out).toMatchObject({ dimensions: 1536, encoding_format: 'float' });
    expect(out.embeddings).toHaveLength(2);
    texts.forEach((text, i) => {
      const expected = fakeEmbedding(text, 1536);
      expect((out.embeddings[i] as number[]).map(Math.fround)).toEqual(expected);
    });
    expect(usage).toMatchObject({ input_tokens: 5, output_tokens: 0, total_tokens: 5 });
    expect(usage.cost_usd).toBeCloseTo((5 * 0.02) / 1e6, 14);
  });

  it('OpenAI: a string gives `embedding`; dimensions and base64 output are passed through', async () => {
    const res = await callLlm('embedding', { workspace_id: newWorkspaceId('llm'), model: 'text-embedding-3-small', text_to_embed: 'short', parameters: { dimensions: 256, encoding_format: 'base64' } });
    expect(res.status).toBe(200);
    const out = res.json.provider_response;
    expect(out.embeddings).toBeUndefined();
    expect(out).toMatchObject({ dimensions: 256, encoding_format: 'base64' });
    const bytes = Buffer.from(out.embedding, 'base64');
    const floats = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(floats).toEqual(fakeEmbedding('short', 256));
  });

  it('sentence-transformers: OpenAI embeddings API at the configured server, floats on the wire, usage estimated when the server reports none', async () => {
    const before = tei.on('embeddings').length;
    const res = await callLlm('embedding', { workspace_id: newWorkspaceId('llm'), provider: 'sentence-transformers', model: 'all-mpnet-base-v2', text_to_embed: ['a sentence to embed'] });
    expect(res.status).toBe(200);
    const [sent] = tei.on('embeddings').slice(before);
    expect(sent!.headers.authorization).toBe(`Bearer ${keys.tei}`);
    expect(sent!.body).toEqual({ model: 'sentence-transformers/all-mpnet-base-v2', input: ['a sentence to embed'], encoding_format: 'float' });
    expect(res.json.provider_response.embeddings[0]).toEqual(fakeEmbedding('a sentence to embed', 768));
    expect(res.json.usage).toEqual({ input_tokens: 5, output_tokens: 0, total_tokens: 5, estimated: true, cost_usd: 0 });

    const mini = await callLlm('embedding', { workspace_id: newWorkspaceId('llm'), model: 'multi-qa-MiniLM-L6-cos-v1', text_to_embed: 'q' });
    expect(mini.json).toMatchObject({ provider: 'sentence-transformers', model: 'multi-qa-minilm-l6-cos-v1', provider_response: { dimensions: 384 } });
  });
});

describe('speech_to_text', () => {
  it('OpenAI Whisper: audio fetched by URL, sent as multipart; verbose_json gives the seconds it is billed by (Whisper-large → whisper-1)', async () => {
    const audio = wav(1.5);
    const url = media.add('/audio/note.wav', { body: audio, contentType: 'audio/wav' });
    const before = openai.on('transcriptions').length;
    const res = await callLlm('speech_to_text', { workspace_id: newWorkspaceId('llm'), model: 'Whisper-large', audio_input_url: url, parameters: { language: 'en' } });
    expect(res.status).toBe(200);
    const [sent] = openai.on('transcriptions').slice(before);
    expect(sent!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent!.body).toMatchObject({ model: 'whisper-1', response_format: 'verbose_json', language: 'en' });
    expect(sent!.files.file).toMatchObject({ name: 'input.wav', type: 'audio/wav', size: audio.length });
    expect(sent!.files.file!.bytes.equals(audio)).toBe(true);
    expect(res.json).toMatchObject({
      provider: 'openai',
      model: 'whisper-1',
      provider_response: { transcription: `transcript of input.wav (audio/wav, ${audio.length} bytes, 1.50 s) in en`, duration_seconds: 1.5 },
      usage: { seconds: 1.5 },
    });
    expect(res.json.usage.cost_usd).toBeCloseTo((1.5 / 60) * 0.006, 12);
  });

  it('OpenAI gpt-4o-transcribe: json response with token usage priced per audio and text token', async () => {
    const url = media.add('/audio/clip.wav', { body: wav(2), contentType: 'audio/x-wav' });
    const res = await callLlm('speech_to_text', { workspace_id: newWorkspaceId('llm'), model: 'gpt-4o-transcribe', audio_input_url: url });
    expect(res.status).toBe(200);
    expect(openai.on('transcriptions').at(-1)!.body.response_format).toBe('json');
    const { usage } = res.json;
    expect(usage.input_tokens).toBe(20);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.cost_usd).toBeCloseTo((20 * 6 + usage.output_tokens * 10) / 1e6, 12);
  });
});

describe('image_understanding', () => {
  it('OpenAI GPT-4o: the fetched image goes as an image_url data-URL part with the prompt', async () => {
    const image = pngLike(2048);
    const url = media.add('/img/chart.png', { body: image, contentType: 'image/png' });
    const before = openai.on('chat').length;
    const res = await callLlm('image_understanding', { workspace_id: newWorkspaceId('llm'), model: 'gpt-4o-vision', image_input_url: url, prompt: 'what is shown', parameters: { detail: 'low', max_tokens: 300 } });
    expect(res.status).toBe(200);
    const [sent] = openai.on('chat').slice(before);
    expect(sent!.body).toEqual({
      model: 'gpt-4o',
      max_completion_tokens: 300,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is shown' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}`, detail: 'low' } }] }],
    });
    expect(res.json).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o',
      provider_response: { image_analysis_text: 'echo: what is shown [image image/png 2048 bytes detail=low]', finish_reason: 'stop' },
    });
    expect(res.json.usage.input_tokens).toBe(3 + 85);
  });

  it('Anthropic: an image block (base64, media type from the bytes) before the prompt; default prompt when none is given', async () => {
    const image = Buffer.from(TINY_PNG);
    // Served with a generic type: the format is recognised from the bytes.
    const url = media.add('/img/tiny', { body: image, contentType: 'application/octet-stream' });
    const before = anthropic.requests.length;
    const res = await callLlm('image_understanding', { workspace_id: newWorkspaceId('llm'), provider: 'anthropic', model: 'claude-haiku-4-5', image_input_url: url });
    expect(res.status).toBe(200);
    const [sent] = anthropic.requests.slice(before);
    expect(sent!.body.messages).toEqual([
      { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: image.toString('base64') } }, { type: 'text', text: 'Describe this image.' }] },
    ]);
    expect(sent!.body.max_tokens).toBe(4096);
    expect(res.json.provider_response.image_analysis_text).toBe(`echo: [image image/png ${image.length} bytes] Describe this image.`);
  });

  it('Anthropic: its 5 MB counts the base64 text, so a 4 MB image is refused here, without an upload', async () => {
    const before = anthropic.requests.length;
    const fits = pngLike((5 * 1024 * 1024 * 3) / 4); // exactly 5 MB in base64
    const ok = await callLlm('image_understanding', { workspace_id: newWorkspaceId('llm'), provider: 'anthropic', model: 'claude-haiku-4-5', image_input_url: media.add('/img/fits.png', { body: fits, contentType: 'image/png' }) });
    expect(ok.status).toBe(200);
    const big = await callLlm('image_understanding', { workspace_id: newWorkspaceId('llm'), provider: 'anthropic', model: 'claude-haiku-4-5', image_input_url: media.add('/img/4mb.png', { body: pngLike(4 * 1024 * 1024), contentType: 'image/png' }) });
    // Refused before sending, like a provider's 4xx (a fallback entry would be tried next).
    expect(big.status).toBe(400);
    expect(big.json.error.code).toBe('provider_rejected_request');
    expect(big.json.error.details.attempts[0]).toMatchObject({ status: 413, message: expect.stringContaining('anthropic takes at most 3932160') });
    expect(anthropic.requests.length).toBe(before + 1); // only the one that fits was sent
  });
});

describe('image_generation', () => {
  it('OpenAI: DALL-E 3 requests map to gpt-image-1 (size and quality translated); base64 images, token usage priced', async () => {
    const before = openai.on('images').length;
    const res = await callLlm('image_generation', { workspace_id: newWorkspaceId('llm'), model: 'DALL-E 3', prompt: 'a badge with a star', parameters: { size: '1792x1024', quality: 'hd', n: 2 } });
    expect(res.status).toBe(200);
    const [sent] = openai.on('images').slice(before);
    expect(sent!.body).toEqual({ model: 'gpt-image-1', prompt: 'a badge with a star', n: 2, size: '1536x1024', quality: 'high' });
    expect(res.json).toMatchObject({ provider: 'openai', model: 'gpt-image-1', requested_model: 'DALL-E 3' });
    expect(res.json.provider_response.images).toEqual([
      { b64_json: TINY_PNG.toString('base64'), mime_type: 'image/png' },
      { b64_json: TINY_PNG.toString('base64'), mime_type: 'image/png' },
    ]);
    expect(res.json.usage).toMatchObject({ images: 2, input_tokens: 5, output_tokens: 8320 });
    expect(res.json.usage.cost_usd).toBeCloseTo(costOf({ input_tokens: 5, output_tokens: 8320, images: 2 }, price('gpt-image-1')), 12);
    expect(res.json.usage.cost_usd).toBeCloseTo((5 * 5 + 8320 * 40) / 1e6, 12);
  });
});

describe('requests refused before any provider call (400)', () => {
  const calls = () => openai.server.requests.length + anthropic.requests.length + deepseek.server.requests.length + tei.server.requests.length;

  it('unknown model, a model that cannot do the task, a provider that does not serve the model, a bad fallback', async () => {
    const before = calls();
    const ws = newWorkspaceId('llm');
    const unknown = await callLlm('text_generation', { workspace_id: ws, model: 'gpt-9-ultra', prompt: 'hi' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: 'unknown_model', message: 'model "gpt-9-ultra" is not in the model catalog' });
    expect(unknown.json.error.details.known_models).toContain('gpt-4o');

    const task = await callLlm('text_generation', { workspace_id: ws, model: 'text-embedding-3-small', prompt: 'hi' });
    expect(task.status).toBe(400);
    expect(task.json.error).toMatchObject({ code: 'unsupported_task', message: 'model "text-embedding-3-small" cannot do text_generation (it does: embedding)' });

    const mismatch = await callLlm('text_generation', { workspace_id: ws, provider: 'anthropic', model: 'gpt-4o', prompt: 'hi' });
    expect(mismatch.json.error).toMatchObject({ code: 'model_provider_mismatch' });

    const chain = await callLlm('image_understanding', { workspace_id: ws, model: 'gpt-4o', image_input_url: media.url('/img/chart.png'), fallback: [{ model: 'deepseek-v4-flash' }, { model: 'nope' }] });
    expect(chain.status).toBe(400);
    expect(chain.json.error.code).toBe('invalid_model_chain');
    expect(chain.json.error.details.problems).toEqual([
      'fallback[0]: model "deepseek-v4-flash" cannot do image_understanding (it does: text_generation)',
      'fallback[1]: model "nope" is not in the model catalog',
    ]);
    expect(calls()).toBe(before);
  });

  it('an option one model of the chain cannot honour, a malformed body, both prompt and messages', async () => {
    const before = calls();
    const ws = newWorkspaceId('llm');
    const json = await callLlm('text_generation', { workspace_id: ws, model: 'gpt-4o', prompt: 'hi', parameters: { response_format: 'json_object' }, fallback: [{ model: 'claude-haiku-4-5' }] });
    expect(json.status).toBe(400);
    expect(json.json.error).toMatchObject({ code: 'unsupported_parameters', details: { problems: ['anthropic/claude-haiku-4-5: claude-haiku-4-5 has no JSON mode (response_format json_object)'] } });

    const dims = await callLlm('embedding', { workspace_id: ws, model: 'all-mpnet-base-v2', text_to_embed: 'x', parameters: { dimensions: 128 } });
    expect(dims.json.error.details.problems).toEqual(['sentence-transformers/all-mpnet-base-v2: all-mpnet-base-v2 has a fixed size of 768 dimensions']);

    const typo = await callLlm('text_generation', { workspace_id: ws, model: 'gpt-4o', prompt: 'hi', parameters: { max_token: 5 } });
    expect(typo.status).toBe(400);
    expect(typo.json.error.code).toBe('invalid_body');
    expect(typo.json.error.message).toContain('max_token');

    const both = await callLlm('text_generation', { workspace_id: ws, model: 'gpt-4o', prompt: 'hi', messages: [{ role: 'user', content: 'hi' }] });
    expect(both.json.error).toMatchObject({ code: 'invalid_body', message: 'text_generation takes either "prompt" or "messages" (exactly one)' });

    const wrongRoute = await callLlm('embedding', { workspace_id: ws, task_type: 'text_generation', model: 'text-embedding-3-small', text_to_embed: 'x' });
    expect(wrongRoute.status).toBe(400);

    const huge = await callLlm('embedding', { workspace_id: ws, model: 'text-embedding-3-large', text_to_embed: Array.from({ length: 2000 }, (_, i) => `text ${i}`) });
    expect(huge.json.error.code).toBe('unsupported_parameters');
    expect(huge.json.error.message).toMatch(/do not fit in one response; send at most \d+ per request/);
    expect(calls()).toBe(before);
  });
});

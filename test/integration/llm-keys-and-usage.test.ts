/**
 * Keys and usage: the workspace's own key when its generic_secrets_config_json maps the provider, the
 * platform key otherwise (the fakes see which one arrives); keys never in responses or logs; unsafe or
 * missing configuration named clearly; and one llm.usage.recorded PlatformEvent per call on the real
 * Kafka topic ionflux.platform.llm_usage (through the outbox and outbox-drain), with every billed attempt
 * priced.
 */
import fs from 'node:fs';
import { config } from '../../shared/config/env';
import { deterministicEventId } from '../../shared/events/platform-event';
import { topics } from '../../shared/events/topics';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { FakeAnthropic } from '../fakes/anthropic/fake-anthropic';
import { FakeOpenAi, openAiErrors } from '../fakes/openai/fake-openai';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { drainOutbox } from '../support/outbox';
import { callLlm, MediaServer, newKey, platformKey, pngLike, wav, workspaceKeys } from '../support/llm';

let openai: FakeOpenAi;
let anthropic: FakeAnthropic;
const platform = { openai: newKey('sk-proj-platform'), anthropic: newKey('sk-ant-platform') };
const allKeys: string[] = [platform.openai, platform.anthropic];

beforeAll(async () => {
  process.env.IONFLUX_LLM_BACKOFF_BASE_MS = '10';
  await useLocalServices();
  [openai, anthropic] = await Promise.all([FakeOpenAi.start({ keys: [platform.openai] }), FakeAnthropic.start({ keys: [platform.anthropic] })]);
  await Promise.all([platformKey('openai', platform.openai, openai.baseUrl), platformKey('anthropic', platform.anthropic, anthropic.baseUrl)]);
});

afterAll(async () => {
  await Promise.all([openai?.close(), anthropic?.close()]);
  delete process.env.IONFLUX_LLM_BACKOFF_BASE_MS;
  await resetEnvironment();
});

/** A workspace with its own OpenAI and Anthropic keys, accepted by the fakes. */
async function workspaceWithOwnKeys(): Promise<{ ws: string; openaiKey: string; anthropicKey: string }> {
  const ws = newWorkspaceId('keys');
  const openaiKey = newKey('sk-proj-ws');
  const anthropicKey = newKey('sk-ant-ws');
  allKeys.push(openaiKey, anthropicKey);
  openai.keys.add(openaiKey);
  anthropic.keys.add(anthropicKey);
  await workspaceKeys(ws, { openai: { key: openaiKey, baseUrl: openai.baseUrl }, anthropic: { key: anthropicKey, baseUrl: anthropic.baseUrl } });
  return { ws, openaiKey, anthropicKey };
}

const lastKey = (fake: FakeOpenAi) => fake.keysUsed('chat').at(-1);

describe('which key', () => {
  it('the workspace key when the workspace maps the provider, the platform key otherwise', async () => {
    const own = await workspaceWithOwnKeys();
    const mapped = await callLlm('text_generation', { workspace_id: own.ws, model: 'gpt-4o-mini', prompt: 'hi' });
    expect(mapped.status).toBe(200);
    expect(lastKey(openai)).toBe(own.openaiKey);
    expect(mapped.json.attempts[0].key_source).toBe('workspace');

    const unmapped = await callLlm('text_generation', { workspace_id: newWorkspaceId('keys'), model: 'gpt-4o-mini', prompt: 'hi' });
    expect(unmapped.status).toBe(200);
    expect(lastKey(openai)).toBe(platform.openai);
    expect(unmapped.json.attempts[0].key_source).toBe('platform');

    const claude = await callLlm('text_generation', { workspace_id: own.ws, model: 'claude-haiku-4-5', prompt: 'hi' });
    expect(anthropic.keysUsed().at(-1)).toBe(own.anthropicKey);
    expect(claude.json.attempts[0].key_source).toBe('workspace');
    // A workspace that maps only OpenAI still gets the platform Anthropic key.
    const partial = newWorkspaceId('keys');
    const partialKey = newKey('sk-proj-ws');
    allKeys.push(partialKey);
    openai.keys.add(partialKey);
    await workspaceKeys(partial, { openai: { key: partialKey, baseUrl: openai.baseUrl } });
    const mixed = await callLlm('text_generation', { workspace_id: partial, model: 'claude-haiku-4-5', prompt: 'hi' });
    expect(mixed.json.attempts[0].key_source).toBe('platform');
    expect(anthropic.keysUsed().at(-1)).toBe(platform.anthropic);
  });

  it('a key the provider rejects (and echoes back in its message) is not in the response', async () => {
    const ws = newWorkspaceId('keys');
    const rejected = newKey('sk-proj-revoked');
    allKeys.push(rejected);
    await workspaceKeys(ws, { openai: { key: rejected, baseUrl: openai.baseUrl } });
    const res = await callLlm('text_generation', { workspace_id: ws, model: 'gpt-4o', prompt: 'hi' });
    expect(res.status).toBe(502);
    expect(res.json.error.message).toContain('401 authentication_failed — Incorrect API key provided: [redacted]');
    expect(res.text).not.toContain(rejected);
    expect(lastKey(openai)).toBe(rejected);
  });

  it('a workspace base_url that points at a private address is refused before the key is sent', async () => {
    const ws = newWorkspaceId('keys');
    const key = newKey('sk-proj-ws');
    allKeys.push(key);
    await workspaceKeys(ws, { openai: { key, baseUrl: 'http://10.1.2.3/v1' } });
    const before = openai.server.requests.length;
    const res = await callLlm('text_generation', { workspace_id: ws, model: 'gpt-4o', prompt: 'hi', fallback: [{ model: 'claude-haiku-4-5' }] });
    expect(res.status).toBe(200);
    expect(res.json.attempts[0]).toMatchObject({ provider: 'openai', outcome: 'error', error_code: 'unsafe_url' });
    expect(res.json.attempts[0].message).toContain(`base_url of ${secretRoot()}/workspaces/${ws}/openai is refused`);
    expect(res.json.provider).toBe('anthropic');
    expect(openai.server.requests.length).toBe(before);
  });

  it('a provider whose platform secret holds no key (as provisioned: {}) is named with the command that fixes it; the fallback answers', async () => {
    const res = await callLlm('text_generation', { workspace_id: newWorkspaceId('keys'), model: 'deepseek-v4-flash', prompt: 'hi', fallback: [{ model: 'gpt-4o-mini' }] });
    expect(res.status).toBe(200);
    expect(res.json.attempts[0]).toMatchObject({ provider: 'deepseek', outcome: 'error', error_code: 'secret_not_configured' });
    expect(res.json.attempts[0].message).toBe(
      `secret ${secretRoot()}/platform/deepseek is not configured: it has no "api_key" (complete it with: npx ionflux secrets set ${secretRoot()}/platform/deepseek --merge '{"api_key":"…"}')`,
    );
    expect(res.json.provider).toBe('openai');
  });
});

describe("a workspace's base_url: the SDKs connect only to checked addresses and follow no redirect", () => {
  it('a server that redirects is refused (OpenAI and Anthropic SDKs): nothing reaches where it points, nothing from there comes back', async () => {
    // Locally loopback is allowed, so the redirect target is a server the guard would let us reach:
    // what stops the request is that redirects are never followed.
    const [outside, inside] = await Promise.all([new MediaServer().start(), new MediaServer().start()]);
    try {
      const internal = { body: Buffer.from('{"error":{"message":"INTERNAL-ONLY instance metadata"}}'), contentType: 'application/json' };
      inside.add('/latest/meta-data', internal);
      for (const path of ['/v1/chat/completions', '/v1/messages']) outside.add(path, { body: Buffer.alloc(0), status: 307, location: inside.url('/latest/meta-data') });
      const ws = newWorkspaceId('keys');
      const [openaiKey, anthropicKey] = [newKey('sk-proj-ws'), newKey('sk-ant-ws')];
      allKeys.push(openaiKey, anthropicKey);
      await workspaceKeys(ws, { openai: { key: openaiKey, baseUrl: outside.url('/v1') }, anthropic: { key: anthropicKey, baseUrl: outside.url('') } });

      const res = await callLlm('text_generation', { workspace_id: ws, model: 'gpt-4o', prompt: 'hi', fallback: [{ model: 'claude-haiku-4-5' }] });
      expect(inside.hits.size).toBe(0);
      expect(res.text).not.toContain('INTERNAL-ONLY');
      expect(res.status).toBe(502);
      expect(res.json.error.details.attempts).toMatchObject([
        { provider: 'openai', outcome: 'error', error_code: 'unsafe_url', retryable: false, key_source: 'workspace' },
        { provider: 'anthropic', outcome: 'error', error_code: 'unsafe_url', retryable: false, key_source: 'workspace' },
      ]);
      for (const attempt of res.json.error.details.attempts) {
        expect(attempt.message).toBe('the workspace base_url is refused: its server answered 307 (a redirect); redirects are not followed');
      }
      expect(outside.hits.get('/v1/chat/completions')).toBe(1);
      expect(outside.hits.get('/v1/messages')).toBe(1);
    } finally {
      await Promise.all([outside.close(), inside.close()]);
    }
  });

  it('every task still works through it against the fakes, multipart transcription included', async () => {
    const own = await workspaceWithOwnKeys();
    const call = (task: Parameters<typeof callLlm>[0], body: Record<string, unknown>) => callLlm(task, { workspace_id: own.ws, ...body });
    const audio = wav(0.5);
    const png = pngLike(2048);
    const results = {
      text: await call('text_generation', { model: 'gpt-4o-mini', prompt: 'hi' }),
      claude: await call('text_generation', { model: 'claude-haiku-4-5', prompt: 'hi' }),
      embedding: await call('embedding', { model: 'text-embedding-3-small', text_to_embed: ['a', 'b'] }),
      speech: await call('speech_to_text', { model: 'whisper-1', audio_input_url: `data:audio/wav;base64,${audio.toString('base64')}` }),
      vision: await call('image_understanding', { model: 'gpt-4o', image_input_url: `data:image/png;base64,${png.toString('base64')}` }),
      claudeVision: await call('image_understanding', { model: 'claude-haiku-4-5', image_input_url: `data:image/png;base64,${png.toString('base64')}` }),
      image: await call('image_generation', { model: 'gpt-image-1', prompt: 'a badge' }),
    };
    for (const [name, res] of Object.entries(results)) {
      expect([name, res.status]).toEqual([name, 200]);
      expect(res.json.attempts).toMatchObject([{ outcome: 'success', key_source: 'workspace' }]);
    }
    const sent = openai.on('transcriptions').at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${own.openaiKey}`);
    expect(sent.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent.files.file).toMatchObject({ name: 'input.wav', type: 'audio/wav', size: audio.length });
    expect(sent.files.file!.bytes.equals(audio)).toBe(true);
    expect(results.speech.json.provider_response.duration_seconds).toBe(0.5);
    expect(anthropic.keysUsed().at(-1)).toBe(own.anthropicKey);
  });
});

describe('usage events on ionflux.platform.llm_usage (real Kafka)', () => {
  it('one llm.usage.recorded event per call, priced from the catalog; failed attempts that were billed are counted; failures are recorded too', async () => {
    // The usage topic is shared by every run on the broker: read from this test's start only.
    const startedAt = Date.now() - 1000;
    const own = await workspaceWithOwnKeys();
    const ok = await callLlm('text_generation', { workspace_id: own.ws, model: 'gpt-4o', prompt: 'count these four words', metadata: { agent_id: 'agent_007', run: 'r1' } });
    expect(ok.status).toBe(200);

    // A 2xx the gateway cannot read is still billed by the provider: priced, then the fallback answers.
    openai.script('chat', { status: 200, body: { id: 'x', object: 'chat.completion', model: 'gpt-4o', choices: 'garbled', usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } } });
    const fellBack = await callLlm('text_generation', { workspace_id: own.ws, model: 'gpt-4o', prompt: 'hello', fallback: [{ model: 'claude-haiku-4-5' }] });
    expect(fellBack.status).toBe(200);
    expect(fellBack.json.attempts.map((a: { outcome: string; error_code?: string; billed: boolean }) => [a.outcome, a.error_code, a.billed])).toEqual([
      ['error', 'bad_response', true],
      ['success', undefined, true],
    ]);
    const badCost = (10 * 2.5 + 20 * 10) / 1e6;
    expect(fellBack.json.attempts[0].cost_usd).toBeCloseTo(badCost, 12);
    expect(fellBack.json.usage.cost_usd).toBeCloseTo(badCost + fellBack.json.attempts[1].cost_usd, 12);

    openai.script('chat', openAiErrors.quota());
    const failed = await callLlm('text_generation', { workspace_id: own.ws, model: 'gpt-4o', prompt: 'hi' });
    expect(failed.status).toBe(502);

    // The LLM functions write usage events to the outbox (they never talk to Kafka); outbox-drain delivers.
    const usageRecords = async () => (await eventBus().readAll(topics.platform('llm_usage'), { since: startedAt })).filter((r) => JSON.parse(r.value).workspace_id === own.ws);
    expect(await usageRecords()).toEqual([]);
    await drainOutbox();
    const records = await usageRecords();
    expect(records).toHaveLength(3);
    const [first, second, third] = records.map((r) => ({ record: r, event: JSON.parse(r.value) }));
    for (const { record, event } of [first!, second!, third!]) {
      expect(record.topic).toBe('ionflux.platform.llm_usage');
      expect(record.key).toBe(own.ws);
      expect(record.headers).toMatchObject({ event_type: 'llm.usage.recorded', payload_schema_version: '1' });
      expect(event).toMatchObject({ event_type: 'llm.usage.recorded', workspace_id: own.ws, source_service_name: config().serviceName });
      expect(event.event_id).toBe(deterministicEventId('llm.usage.recorded', event.payload_json.request_id));
    }
    expect(first!.event.payload_json).toEqual({
      request_id: ok.json.request_id,
      task_type: 'text_generation',
      status: 'success',
      error_code: null,
      provider: 'openai',
      model: 'gpt-4o',
      requested_model: 'gpt-4o',
      key_source: 'workspace',
      usage: ok.json.usage,
      cost_usd: ok.json.usage.cost_usd,
      cost_usd_by_key_source: { workspace: ok.json.usage.cost_usd, platform: 0 },
      currency: 'USD',
      price_catalog_version: '2026-11-25',
      billed_attempts: 1,
      // The IAM caller API Gateway authorised (test/support/http.ts builds the events as it does).
      caller_arn: 'arn:aws:iam::000000000000:user/ionflux-test',
      attempts: [
        {
          provider: 'openai',
          model: 'gpt-4o',
          outcome: 'success',
          status: null,
          error_code: null,
          key_source: 'workspace',
          latency_ms: ok.json.attempts[0].latency_ms,
          billed: true,
          usage: { input_tokens: 4, output_tokens: 5, cached_input_tokens: 0 },
          cost_usd: ok.json.usage.cost_usd,
        },
      ],
      latency_ms: expect.any(Number),
      metadata: { agent_id: 'agent_007', run: 'r1' },
    });
    expect(ok.json.usage).toMatchObject({ input_tokens: 4, output_tokens: 5, total_tokens: 9 });
    expect(second!.event.payload_json).toMatchObject({ status: 'success', provider: 'anthropic', billed_attempts: 2, cost_usd: fellBack.json.usage.cost_usd });
    // Who paid what, attempt by attempt: the top-level key_source is only the winner's.
    const paid = { workspace: 0, platform: 0 };
    for (const a of second!.event.payload_json.attempts as Array<{ key_source: 'workspace' | 'platform'; cost_usd: number }>) paid[a.key_source] += a.cost_usd;
    expect(second!.event.payload_json.cost_usd_by_key_source.workspace).toBeCloseTo(paid.workspace, 10);
    expect(second!.event.payload_json.cost_usd_by_key_source.platform).toBeCloseTo(paid.platform, 10);
    expect(paid.workspace + paid.platform).toBeCloseTo(fellBack.json.usage.cost_usd, 10);
    expect(third!.event.payload_json).toMatchObject({
      request_id: failed.json.error.request_id,
      status: 'error',
      provider: null,
      model: null,
      billed_attempts: 0,
      cost_usd: 0,
      attempts: [{ provider: 'openai', outcome: 'error', status: 429, error_code: 'quota_exceeded', billed: false }],
    });
  });
});

describe('an answer too large to return', () => {
  it('is a 502 for the caller, and its usage event says error (response_too_large) with what the provider billed', async () => {
    const startedAt = Date.now() - 1000;
    const ws = newWorkspaceId('big');
    openai.script('images', { status: 200, body: { created: 1, data: [{ b64_json: 'A'.repeat(7 * 1024 * 1024) }], output_format: 'png', usage: { input_tokens: 3, input_tokens_details: { text_tokens: 3, image_tokens: 0 }, output_tokens: 4160, total_tokens: 4163 } } });
    const res = await callLlm('image_generation', { workspace_id: ws, model: 'gpt-image-1', prompt: 'a huge image', parameters: { quality: 'high' } });
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('response_too_large');
    await drainOutbox();
    const [event] = (await eventBus().readAll(topics.platform('llm_usage'), { since: startedAt })).map((r) => JSON.parse(r.value)).filter((e) => e.workspace_id === ws);
    expect(event.payload_json).toMatchObject({ status: 'error', error_code: 'response_too_large', provider: 'openai', billed_attempts: 1 });
    expect(event.payload_json.cost_usd).toBeGreaterThan(0);
  }, 60_000);
});

describe('secrets stay secret', () => {
  it('no key value appears in anything this worker logged (rejections and failures included)', () => {
    const log = fs.readFileSync(process.env.IONFLUX_LOG_FILE!, 'utf8');
    expect(log).toContain('llm provider attempt failed');
    for (const key of allKeys) expect(log).not.toContain(key);
  });
});

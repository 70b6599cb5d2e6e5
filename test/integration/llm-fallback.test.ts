/**
 * The strategy engine end to end (handlers → real SDKs → fakes): retries on 503/529/429/timeouts/network
 * errors with retry-after honoured, no retry on 401/400/quota 429/402, fallback down the list with every
 * attempt reported, cooldown of a failing key, and the error status and body when every provider fails.
 * Each scenario has its own workspace keys, so cooldowns of one scenario never touch another.
 */
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { anthropicErrors, FakeAnthropic } from '../fakes/anthropic/fake-anthropic';
import { FakeOpenAi, openAiErrors } from '../fakes/openai/fake-openai';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { callLlm, newKey, platformKey, workspaceKeys } from '../support/llm';

let openai: FakeOpenAi;
let deepseek: FakeOpenAi;
let anthropic: FakeAnthropic;
const platformOpenAiKey = newKey('sk-proj-platform');

beforeAll(async () => {
  Object.assign(process.env, { IONFLUX_LLM_BACKOFF_BASE_MS: '20', IONFLUX_LLM_ATTEMPT_TIMEOUT_MS: '1500' });
  await useLocalServices();
  [openai, deepseek, anthropic] = await Promise.all([
    FakeOpenAi.start({ keys: [] }),
    FakeOpenAi.start({ dialect: 'deepseek', keys: [] }),
    FakeAnthropic.start({ keys: [] }),
  ]);
  // The SDKs load on the first call (inside its attempt timeout, kept short here): loaded now, so a busy
  // machine's module transpiling never makes the first scripted 503 a timeout.
  await Promise.all([import('../../shared/llm/providers/openai-compatible/sdk'), import('../../shared/llm/providers/anthropic/sdk')]);
  // Platform keys exist but only the last scenario uses one (the fake accepts it only then): every
  // other scenario maps its own.
  await Promise.all([platformKey('openai', platformOpenAiKey, openai.baseUrl), platformKey('anthropic', newKey(), anthropic.baseUrl)]);
});

afterAll(async () => {
  await Promise.all([openai?.close(), deepseek?.close(), anthropic?.close()]);
  delete process.env.IONFLUX_LLM_BACKOFF_BASE_MS;
  delete process.env.IONFLUX_LLM_ATTEMPT_TIMEOUT_MS;
  await resetEnvironment();
});

interface Scenario {
  ws: string;
  keys: { openai: string; anthropic: string; deepseek: string };
  /** Requests the fakes received with this scenario's keys. */
  openaiCalls(): number;
  anthropicCalls(): number;
  deepseekCalls(): number;
}

/** A workspace with its own keys for the three providers (accepted by the fakes unless told otherwise). */
async function scenario(options: { rejectOpenAiKey?: boolean; openaiBaseUrl?: string } = {}): Promise<Scenario> {
  for (const fake of [openai.server, deepseek.server, anthropic.server]) fake.clearScript();
  const ws = newWorkspaceId('fb');
  const keys = { openai: newKey('sk-proj'), anthropic: newKey('sk-ant'), deepseek: newKey('sk-ds') };
  if (!options.rejectOpenAiKey) openai.keys.add(keys.openai);
  anthropic.keys.add(keys.anthropic);
  deepseek.keys.add(keys.deepseek);
  await workspaceKeys(ws, {
    openai: { key: keys.openai, baseUrl: options.openaiBaseUrl ?? openai.baseUrl },
    anthropic: { key: keys.anthropic, baseUrl: anthropic.baseUrl },
    deepseek: { key: keys.deepseek, baseUrl: deepseek.baseUrl },
  });
  return {
    ws,
    keys,
    openaiCalls: () => openai.keysUsed('chat').filter((k) => k === keys.openai).length,
    anthropicCalls: () => anthropic.keysUsed().filter((k) => k === keys.anthropic).length,
    deepseekCalls: () => deepseek.keysUsed('chat').filter((k) => k === keys.deepseek).length,
  };
}

const chat = (ws: string, extra: Record<string, unknown> = {}, timeoutS?: number) =>
  callLlm('text_generation', { workspace_id: ws, model: 'gpt-4o', prompt: 'hello there', fallback: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }], ...extra }, timeoutS ? { timeoutS } : {});

const outcomes = (attempts: Array<{ provider: string; outcome: string; status?: number; error_code?: string }>) =>
  attempts.map((a) => `${a.provider}:${a.outcome}${a.status ? `:${a.status}` : ''}${a.error_code ? `:${a.error_code}` : ''}`);

describe('retries and fallback', () => {
  it('primary 503 (three times) → retried with backoff, then the fallback answers; every attempt is reported', async () => {
    const s = await scenario();
    openai.script('chat', openAiErrors.unavailable(), openAiErrors.unavailable(), openAiErrors.unavailable());
    const res = await chat(s.ws);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ provider: 'anthropic', model: 'claude-haiku-4-5', requested_model: 'gpt-4o' });
    expect(outcomes(res.json.attempts)).toEqual(['openai:error:503:overloaded', 'openai:error:503:overloaded', 'openai:error:503:overloaded', 'anthropic:success']);
    expect(res.json.attempts[0]).toMatchObject({ retryable: true, key_source: 'workspace', provider_error_code: 'service_unavailable', billed: false });
    expect(res.json.attempts[3]).toMatchObject({ key_source: 'workspace', billed: true });
    expect(s.openaiCalls()).toBe(3);
    expect(s.anthropicCalls()).toBe(1);
    // Only the billed attempt is priced.
    expect(res.json.usage.cost_usd).toBe(res.json.attempts[3].cost_usd);
  });

  it('429 with retry-after (seconds) → waits that long, then the same provider succeeds', async () => {
    const s = await scenario();
    openai.script('chat', openAiErrors.rateLimited({ seconds: 1 }));
    const res = await chat(s.ws);
    expect(res.status).toBe(200);
    expect(outcomes(res.json.attempts)).toEqual(['openai:error:429:rate_limited', 'openai:success']);
    expect(res.json.attempts[0]).toMatchObject({ retry_after_ms: 1000, retryable: true, provider_error_code: 'rate_limit_exceeded' });
    const [first, second] = openai.on('chat').filter((r) => r.headers.authorization === `Bearer ${s.keys.openai}`);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(s.anthropicCalls()).toBe(0);
  });

  it('429 with retry-after-ms → that wait, not the default backoff', async () => {
    const s = await scenario();
    openai.script('chat', openAiErrors.rateLimited({ ms: 300, seconds: 30 }));
    const res = await chat(s.ws);
    expect(res.status).toBe(200);
    expect(res.json.attempts[0].retry_after_ms).toBe(300);
    const [first, second] = openai.on('chat').filter((r) => r.headers.authorization === `Bearer ${s.keys.openai}`);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(290);
    expect(second!.at - first!.at).toBeLessThan(5000);
  });

  it('a retry-after longer than the time left is not waited for: straight to the fallback', async () => {
    const s = await scenario();
    openai.script('chat', openAiErrors.rateLimited({ seconds: 120 }));
    const started = Date.now();
    const res = await chat(s.ws);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcomes(res.json.attempts)).toEqual(['openai:error:429:rate_limited', 'anthropic:success']);
    expect(s.openaiCalls()).toBe(1);
  });

  it('a retry-after the deadline allows but that would use the time kept for the fallback is not waited for: the fallback answers at once, the key cools down that long', async () => {
    const s = await scenario();
    // 429 retry-after 20 s, then the primary would be slow; 25 s Lambda (22 s for the providers).
    openai.script('chat', openAiErrors.rateLimited({ seconds: 20 }), { status: 200, hang: true }, { status: 200, hang: true });
    const started = Date.now();
    const res = await chat(s.ws, {}, 25);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.json.provider).toBe('anthropic');
    expect(outcomes(res.json.attempts)).toEqual(['openai:error:429:rate_limited', 'anthropic:success']);
    expect(res.json.attempts[0]).toMatchObject({ retryable: true, retry_after_ms: 20_000, not_retried: 'fallback_reserve' });
    expect(s.openaiCalls()).toBe(1);

    // The key is set aside for the retry-after: the next request goes straight to the fallback.
    const next = await chat(s.ws);
    expect(next.json.attempts[0]).toMatchObject({ provider: 'openai', outcome: 'skipped', error_code: 'cooldown' });
    expect(next.json.attempts[0].retry_after_ms).toBeGreaterThan(15_000);
    expect(s.openaiCalls()).toBe(1);
  });

  it('401 → no retry, immediate fallback; the key the provider echoed is not passed on', async () => {
    const s = await scenario({ rejectOpenAiKey: true });
    const res = await chat(s.ws);
    expect(res.status).toBe(200);
    expect(outcomes(res.json.attempts)).toEqual(['openai:error:401:authentication_failed', 'anthropic:success']);
    expect(res.json.attempts[0]).toMatchObject({ retryable: false, provider_error_code: 'invalid_api_key' });
    expect(res.json.attempts[0].message).toContain('Incorrect API key provided: [redacted]');
    expect(res.text).not.toContain(s.keys.openai);
    expect(s.openaiCalls()).toBe(1);
  });

  it('quota-exhausted 429 (insufficient_quota) → no retry; alone in the chain it is a 502 naming provider and reason', async () => {
    const s = await scenario();
    openai.script('chat', openAiErrors.quota());
    const res = await callLlm('text_generation', { workspace_id: s.ws, model: 'gpt-4o', prompt: 'hello' });
    expect(res.status).toBe(502);
    expect(res.json.error).toMatchObject({
      code: 'provider_failed',
      message: 'the provider failed: openai/gpt-4o: 429 quota_exceeded — You exceeded your current quota, please check your plan and billing details.',
      details: { status: 'error', task_type: 'text_generation', attempts: [{ provider: 'openai', outcome: 'error', status: 429, error_code: 'quota_exceeded', provider_error_code: 'insufficient_quota', retryable: false }] },
    });
    expect(res.json.error.request_id).toBe(res.json.error.details.request_id);
    expect(s.openaiCalls()).toBe(1);
  });

  it('Anthropic: 529 overloaded is retried; a spend-limit 429 is not (next fallback instead)', async () => {
    const s = await scenario();
    anthropic.script(anthropicErrors.overloaded());
    const retried = await callLlm('text_generation', { workspace_id: s.ws, model: 'claude-haiku-4-5', prompt: 'hi' });
    expect(retried.status).toBe(200);
    expect(outcomes(retried.json.attempts)).toEqual(['anthropic:error:529:overloaded', 'anthropic:success']);

    anthropic.script(anthropicErrors.spendLimit());
    const spend = await callLlm('text_generation', { workspace_id: s.ws, model: 'claude-haiku-4-5', prompt: 'hi', fallback: [{ model: 'gpt-4o-mini' }] });
    expect(spend.status).toBe(200);
    expect(outcomes(spend.json.attempts)).toEqual(['anthropic:error:429:quota_exceeded', 'openai:success']);
    expect(spend.json.attempts[0]).toMatchObject({ provider_error_code: 'enforced_spend_limit_reached', retryable: false });
    expect(s.anthropicCalls()).toBe(3);
  });

  it('DeepSeek: 402 insufficient balance is not retried; the fallback answers', async () => {
    const s = await scenario();
    deepseek.script('chat', openAiErrors.insufficientBalance());
    const res = await callLlm('text_generation', { workspace_id: s.ws, model: 'deepseek-v4-flash', prompt: 'hi', fallback: [{ model: 'gpt-4o-mini' }] });
    expect(res.status).toBe(200);
    expect(outcomes(res.json.attempts)).toEqual(['deepseek:error:402:quota_exceeded', 'openai:success']);
    expect(s.deepseekCalls()).toBe(1);
  });

  it('a provider 400 is not retried; when every provider rejects the request itself the caller gets 400', async () => {
    const s = await scenario();
    openai.script('chat', openAiErrors.badRequest("This model's maximum context length is 128000 tokens."));
    anthropic.script(anthropicErrors.invalidRequest('prompt is too long: 210000 tokens > 200000 maximum'));
    const res = await chat(s.ws);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('provider_rejected_request');
    expect(outcomes(res.json.error.details.attempts)).toEqual(['openai:error:400:invalid_request', 'anthropic:error:400:invalid_request']);
    expect(res.json.error.message).toContain('openai/gpt-4o: 400 invalid_request — This model');
    expect(res.json.error.message).toContain('anthropic/claude-haiku-4-5: 400 invalid_request — prompt is too long');
  });

  it('network errors (nothing listening) are retried, then the fallback answers', async () => {
    const s = await scenario({ openaiBaseUrl: 'http://127.0.0.1:9/v1' });
    const res = await chat(s.ws);
    expect(res.status).toBe(200);
    expect(outcomes(res.json.attempts)).toEqual(['openai:error:network_error', 'openai:error:network_error', 'openai:error:network_error', 'anthropic:success']);
  });

  it('a network failure names the host it tried, and the same cause gets the same status and code on every route, with or without fallbacks', async () => {
    const s = await scenario({ openaiBaseUrl: 'http://127.0.0.1:9/v1' });
    deepseek.keys.delete(s.keys.deepseek); // a fallback that fails for another reason (its key is refused)
    const answers = [
      await callLlm('text_generation', { workspace_id: s.ws, model: 'gpt-4o', prompt: 'hi' }),
      await callLlm('text_generation', { workspace_id: s.ws, model: 'gpt-4o', prompt: 'hi', fallback: [{ model: 'deepseek-v4-flash' }] }),
      await callLlm('embedding', { workspace_id: s.ws, model: 'text-embedding-3-small', text_to_embed: 'hi' }),
      // sentence-transformers has no secret here (the provisioned platform secret holds {}).
      await callLlm('embedding', { workspace_id: s.ws, model: 'text-embedding-3-small', text_to_embed: 'hi', fallback: [{ model: 'all-mpnet-base-v2' }] }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.json.error.code).toBe('provider_unavailable');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(answer.json.error.message).toContain('could not reach 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9');
    }
    // The first request used up its retries on the network error and set the key aside: the next ones are
    // told what started the cooldown.
    expect(outcomes(answers[0]!.json.error.details.attempts)).toEqual(['openai:error:network_error', 'openai:error:network_error', 'openai:error:network_error']);
    for (const answer of answers.slice(1)) {
      expect(answer.json.error.details.attempts[0]).toMatchObject({ provider: 'openai', outcome: 'skipped', error_code: 'cooldown' });
      expect(answer.json.error.details.attempts[0].message).toContain('; it began with openai/gpt-4o: network_error — could not reach 127.0.0.1:9');
    }
    expect(outcomes(answers[1]!.json.error.details.attempts)).toEqual(['openai:skipped:cooldown', 'deepseek:error:401:authentication_failed']);
    expect(outcomes(answers[3]!.json.error.details.attempts)).toEqual(['openai:skipped:cooldown', 'sentence-transformers:error:secret_not_configured']);
  });

  it('a provider that does not answer in time → the attempt times out and is retried', async () => {
    const s = await scenario();
    openai.script('chat', { status: 200, hang: true });
    const res = await chat(s.ws);
    expect(res.status).toBe(200);
    expect(outcomes(res.json.attempts)).toEqual(['openai:error:timeout', 'openai:success']);
    expect(res.json.attempts[0].latency_ms).toBeGreaterThanOrEqual(1400);
  });

  it('when no provider answers before the deadline: 504 provider_timeout, within the Lambda time', async () => {
    const s = await scenario();
    openai.script('chat', { status: 200, hang: true }, { status: 200, hang: true }, { status: 200, hang: true });
    const started = Date.now();
    const res = await callLlm('text_generation', { workspace_id: s.ws, model: 'gpt-4o', prompt: 'hi' }, { timeoutS: 6 });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(res.status).toBe(504);
    expect(res.json.error.code).toBe('provider_timeout');
    expect(res.json.error.details.attempts.map((a: { error_code: string }) => a.error_code)).toEqual(['timeout', 'timeout']);
  });
});

describe('cooldown', () => {
  it('a key that keeps failing is skipped by the next requests (straight to the fallback); other keys are unaffected', async () => {
    const s = await scenario();
    openai.script('chat', openAiErrors.unavailable(), openAiErrors.unavailable(), openAiErrors.unavailable());
    const first = await chat(s.ws);
    expect(first.json.provider).toBe('anthropic');
    expect(s.openaiCalls()).toBe(3);

    const second = await chat(s.ws);
    expect(second.status).toBe(200);
    expect(second.json.provider).toBe('anthropic');
    expect(second.json.attempts[0]).toMatchObject({ provider: 'openai', outcome: 'skipped', error_code: 'cooldown', key_source: 'workspace', billed: false });
    expect(second.json.attempts[0].retry_after_ms).toBeGreaterThan(3000);
    expect(s.openaiCalls()).toBe(3); // not called again

    // Another workspace's key is not cooling down.
    const other = await scenario();
    const third = await chat(other.ws);
    expect(third.json.provider).toBe('openai');
    expect(other.openaiCalls()).toBe(1);

    // With nothing else to try, the caller is told when to come back.
    const alone = await callLlm('text_generation', { workspace_id: s.ws, model: 'gpt-4o', prompt: 'hi' });
    expect(alone.status).toBe(503);
    expect(alone.json.error.code).toBe('provider_unavailable');
    expect(Number(alone.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(alone.headers['retry-after'])).toBeLessThanOrEqual(5);
    expect(s.openaiCalls()).toBe(3);
  });

  it("one workspace's timeouts on the platform key do not switch it off for another workspace; the provider's 503s do", async () => {
    for (const fake of [openai.server, anthropic.server]) fake.clearScript();
    openai.keys.add(platformOpenAiKey);
    // Two workspaces with their own Anthropic key (the fallback) and the platform OpenAI key.
    const workspace = async () => {
      const ws = newWorkspaceId('fb');
      const key = newKey('sk-ant');
      anthropic.keys.add(key);
      await workspaceKeys(ws, { anthropic: { key, baseUrl: anthropic.baseUrl } });
      return ws;
    };
    const [a, b] = await Promise.all([workspace(), workspace()]);
    const platformCalls = () => openai.keysUsed('chat').filter((k) => k === platformOpenAiKey).length;

    // Workspace A's requests time out three times in a row (say, huge prompts).
    openai.script('chat', { status: 200, hang: true }, { status: 200, hang: true }, { status: 200, hang: true });
    const slow = await chat(a);
    expect(outcomes(slow.json.attempts)).toEqual(['openai:error:timeout', 'openai:error:timeout', 'openai:error:timeout', 'anthropic:success']);
    expect(slow.json.attempts[0].key_source).toBe('platform');

    // Workspace B still gets OpenAI on the platform key.
    const fine = await chat(b);
    expect(fine.status).toBe(200);
    expect(fine.json.provider).toBe('openai');
    expect(fine.json.attempts).toHaveLength(1);
    expect(platformCalls()).toBe(4);

    // The provider itself failing (503 three times) sets the key aside for everyone.
    openai.script('chat', openAiErrors.unavailable(), openAiErrors.unavailable(), openAiErrors.unavailable());
    expect((await chat(b)).json.provider).toBe('anthropic');
    const afterOutage = await chat(a);
    expect(afterOutage.json.attempts[0]).toMatchObject({ provider: 'openai', outcome: 'skipped', error_code: 'cooldown', key_source: 'platform' });
    expect(platformCalls()).toBe(7);
  });
});

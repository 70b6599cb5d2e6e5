/**
 * The strategy engine and its retry policy in isolation: in-memory providers that fail as scripted, a
 * fake clock and sleep. Which failures are retried (property-tested over every status), backoff and
 * retry-after, the deadline, the time kept for fallbacks, cooldown thresholds and expiry.
 */
import fc from 'fast-check';
import { modelCatalog, type ResolvedTarget } from '../../shared/llm/catalog';
import type { TaskInputs } from '../../shared/llm/contract';
import { Cooldowns } from '../../shared/llm/cooldown';
import { type ChainEntry, StrategyEngine } from '../../shared/llm/engine';
import type { CallOptions, LlmProvider, ProviderFailure, ProviderResult } from '../../shared/llm/provider';
import { retryAfterMs } from '../../shared/llm/providers/wire';
import { classifyFailure, decideRetry, defaultRetryPolicy, fallbackReserve, type RetryPolicy } from '../../shared/llm/retry-policy';

class Failure extends Error {
  constructor(readonly failure: ProviderFailure) {
    super(failure.message);
  }
}

const ok: ProviderResult<{ choices: [] }> = { output: { choices: [] }, usage: { input_tokens: 1, output_tokens: 1 } };

interface Scripted extends LlmProvider {
  calls: CallOptions[];
}

/** The engine's clock, shared with the scripted providers (a `hang` uses up the attempt's whole timeout). */
let clock = 1_000_000;

/** A failure that arrives after `ms` of the engine's clock. */
interface Late {
  afterMs: number;
  failure: ProviderFailure;
}

function provider(name: string, script: Array<ProviderFailure | Late | 'ok' | 'hang'>): Scripted {
  const calls: CallOptions[] = [];
  return {
    name,
    endpoints: {},
    calls,
    supports: () => true,
    check: () => [],
    async call(_task, _input, _model, _credential, options) {
      calls.push(options);
      const next = script.shift() ?? 'ok';
      if (next === 'ok') return ok as never;
      if (next === 'hang') {
        clock += options.timeoutMs;
        throw new Failure({ kind: 'timeout', message: `no response within ${options.timeoutMs} ms` });
      }
      if ('afterMs' in next) {
        clock += next.afterMs;
        throw new Failure(next.failure);
      }
      throw new Failure(next);
    },
    classify: (error) => (error as Failure).failure,
  };
}

const target = (model: string): ResolvedTarget => {
  const found = modelCatalog().find(model)!;
  return { provider: found.model.provider, model: found.model, requested: model };
};

const http = (status: number, extra: Partial<ProviderFailure> = {}): ProviderFailure => ({ kind: 'http', status, message: `status ${status}`, ...extra });
const input: TaskInputs['text_generation'] = { messages: [{ role: 'user', content: 'hi' }], parameters: {} };

function setup(options: { policy?: Partial<RetryPolicy>; random?: number; secret?: (p: string) => string } = {}) {
  clock = 1_000_000;
  const sleeps: number[] = [];
  const cooldowns = new Cooldowns({ cooldownMs: 5000, failureThreshold: 3, windowMs: 60_000, maxCooldownMs: 60_000, clock: () => clock });
  const invalidated: string[] = [];
  const engine = new StrategyEngine({
    credentials: async (p) => ({ credential: { apiKey: 'k', baseUrl: 'https://x', fields: {} }, source: 'platform', secretName: options.secret?.(p.name) ?? `root/platform/${p.name}` }),
    invalidateCredential: (name) => invalidated.push(name),
    cooldowns,
    policy: { ...defaultRetryPolicy, ...options.policy },
    clock: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => options.random ?? 0,
  });
  return {
    engine,
    sleeps,
    invalidated,
    cooldowns,
    now: () => clock,
    advance: (ms: number) => (clock += ms),
    run: (chain: ChainEntry[], deadlineIn = 20_000, workspaceId = 'ws') => engine.execute('text_generation', input, chain, { workspaceId, deadline: clock + deadlineIn }),
  };
}

describe('retry policy', () => {
  it('retries exactly network errors, timeouts, 408, 429 rate limits, 5xx and 529 — never quota, 4xx or 402 (any status)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), fc.boolean(), (status, quota) => {
        const cls = classifyFailure(http(status, quota ? { quotaExhausted: true } : {}));
        const expected = !quota && status !== 402 && (status === 408 || status === 429 || status >= 500);
        expect(cls.retryable).toBe(expected);
      }),
    );
    expect(classifyFailure({ kind: 'network', message: '' }).retryable).toBe(true);
    expect(classifyFailure({ kind: 'timeout', message: '' }).retryable).toBe(true);
    expect(classifyFailure({ kind: 'rejected', status: 413, message: '' })).toMatchObject({ retryable: false, blame: 'request', code: 'request_too_large' });
    expect(classifyFailure({ kind: 'bad_response', message: '' }).retryable).toBe(false);
    expect(classifyFailure({ kind: 'aborted', message: '' }).retryable).toBe(false);
    expect(classifyFailure({ kind: 'internal', message: '' })).toMatchObject({ retryable: false, code: 'internal_error' });
  });

  it("honours the provider's x-should-retry, except for an exhausted quota", () => {
    expect(classifyFailure(http(503, { shouldRetry: false })).retryable).toBe(false);
    expect(classifyFailure(http(409, { shouldRetry: true })).retryable).toBe(true);
    expect(classifyFailure(http(429, { shouldRetry: true, quotaExhausted: true })).retryable).toBe(false);
  });

  it('waits retry-after when given, else exponential backoff with ≤ 25 % jitter; no wait that overruns the deadline', () => {
    const cls = classifyFailure(http(503));
    const policy = { ...defaultRetryPolicy, baseDelayMs: 200, maxDelayMs: 1000 };
    expect(decideRetry(cls, http(503), 0, 0, 60_000, policy, () => 0)).toEqual({ retry: true, delayMs: 200 });
    expect(decideRetry(cls, http(503), 1, 0, 60_000, policy, () => 0)).toEqual({ retry: true, delayMs: 400 });
    expect(decideRetry(cls, http(503), 1, 0, 60_000, policy, () => 1)).toEqual({ retry: true, delayMs: 300 });
    expect(decideRetry(cls, http(503), 0, 0, 60_000, { ...policy, maxRetries: 5 }, () => 0)).toEqual({ retry: true, delayMs: 200 });
    expect(decideRetry(cls, http(503), 4, 0, 60_000, { ...policy, maxRetries: 5 }, () => 0)).toEqual({ retry: true, delayMs: 1000 });
    expect(decideRetry(cls, http(503, { retryAfterMs: 7000 }), 0, 0, 60_000, policy)).toEqual({ retry: true, delayMs: 7000 });
    expect(decideRetry(cls, http(503, { retryAfterMs: 7000 }), 0, 0, 7500, policy)).toEqual({ retry: false, reason: 'wait_exceeds_deadline' });
    expect(decideRetry(cls, http(503), 2, 0, 60_000, policy)).toEqual({ retry: false, reason: 'retries_exhausted' });
  });

  it('while fallbacks remain, a wait is taken only if it and another attempt leave the time kept for them intact', () => {
    const cls = classifyFailure(http(429));
    const policy = { ...defaultRetryPolicy, minAttemptMs: 1000 };
    const after = (ms: number) => http(429, { retryAfterMs: ms });
    // delay + minAttempt + reserve ≤ what is left
    expect(decideRetry(cls, after(7000), 0, 0, 13_000, policy, undefined, 5000)).toEqual({ retry: true, delayMs: 7000 });
    expect(decideRetry(cls, after(7000), 0, 0, 12_999, policy, undefined, 5000)).toEqual({ retry: false, reason: 'fallback_reserve' });
    expect(decideRetry(cls, after(20_000), 0, 120, 26_000, policy, undefined, 5000)).toEqual({ retry: false, reason: 'fallback_reserve' });
    expect(decideRetry(cls, after(20_000), 0, 0, 20_500, policy, undefined, 5000)).toEqual({ retry: false, reason: 'wait_exceeds_deadline' });
    // The last provider keeps nothing back.
    expect(decideRetry(cls, after(20_000), 0, 0, 26_000, policy)).toEqual({ retry: true, delayMs: 20_000 });
    expect(fallbackReserve(26_000, policy, true)).toBe(5000);
    expect(fallbackReserve(10_000, policy, true)).toBe(3000);
    expect(fallbackReserve(2000, policy, true)).toBe(1000);
    expect(fallbackReserve(26_000, policy, false)).toBe(0);
  });

  it("only provider-side health signals count towards a key's cooldown; what a request may cause itself counts per workspace", () => {
    const scope = (failure: ProviderFailure) => classifyFailure(failure).cooldown;
    expect(scope(http(429))).toBe('count');
    expect(scope(http(500))).toBe('count');
    expect(scope(http(503))).toBe('count');
    expect(scope(http(529))).toBe('count');
    expect(scope({ kind: 'network', message: '' })).toBe('count');
    expect(scope({ kind: 'timeout', message: '' })).toBe('workspace');
    expect(scope(http(408))).toBe('workspace');
    expect(scope({ kind: 'bad_response', message: '' })).toBe('workspace');
    expect(scope({ kind: 'refused', message: '' })).toBe('none');
    expect(classifyFailure({ kind: 'refused', message: '' })).toMatchObject({ code: 'unsafe_url', retryable: false });
  });

  it('reads retry-after-ms, retry-after in seconds and as an HTTP date; ignores garbage', () => {
    const h = (values: Record<string, string>) => new Headers(values);
    expect(retryAfterMs(h({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(retryAfterMs(h({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(h({ 'retry-after': '0.5' }))).toBe(500);
    expect(retryAfterMs(h({ 'retry-after': new Date(10_000 + 3000).toUTCString() }), 10_000)).toBe(3000);
    expect(retryAfterMs(h({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(h({ 'retry-after': '-3' }))).toBeUndefined();
    expect(retryAfterMs(h({}))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe('strategy engine', () => {
  it('retries the same provider with backoff, then falls back; every attempt recorded', async () => {
    const t = setup({ policy: { baseDelayMs: 100 } });
    const primary = provider('openai', [http(503), http(502), http(500)]);
    const fallback = provider('anthropic', ['ok']);
    const out = await t.run([
      { provider: primary, target: target('gpt-4o') },
      { provider: fallback, target: target('claude-haiku-4-5') },
    ]);
    expect(out.success?.entry.provider).toBe(fallback);
    expect(primary.calls).toHaveLength(3);
    expect(t.sleeps).toEqual([100, 200]);
    expect(out.attempts.map((a) => [a.attempt.provider, a.attempt.outcome, a.attempt.status, a.attempt.error_code])).toEqual([
      ['openai', 'error', 503, 'overloaded'],
      ['openai', 'error', 502, 'server_error'],
      ['openai', 'error', 500, 'server_error'],
      ['anthropic', 'success', undefined, undefined],
    ]);
  });

  it('a non-retryable failure goes straight to the fallback; a 401 also drops the cached key', async () => {
    const t = setup();
    const primary = provider('openai', [http(401)]);
    const out = await t.run([
      { provider: primary, target: target('gpt-4o') },
      { provider: provider('anthropic', ['ok']), target: target('claude-haiku-4-5') },
    ]);
    expect(primary.calls).toHaveLength(1);
    expect(t.sleeps).toEqual([]);
    expect(t.invalidated).toEqual(['root/platform/openai']);
    expect(out.success).toBeDefined();
  });

  it('keeps time for the fallbacks while the primary runs, and gives the last provider all that is left', async () => {
    const t = setup({ policy: { attemptTimeoutMs: 60_000, fallbackReserveMs: 5000 } });
    const primary = provider('openai', [http(400)]);
    const last = provider('anthropic', ['ok']);
    await t.run(
      [
        { provider: primary, target: target('gpt-4o') },
        { provider: last, target: target('claude-haiku-4-5') },
      ],
      20_000,
    );
    expect(primary.calls[0]!.timeoutMs).toBe(15_000);
    expect(last.calls[0]!.timeoutMs).toBe(20_000);

    // Whole milliseconds whatever the deadline (the SDKs refuse fractional timeouts).
    const t2 = setup({ policy: { attemptTimeoutMs: 60_000 } });
    const odd = provider('openai', [http(400)]);
    await t2.run([{ provider: odd, target: target('gpt-4o') }, { provider: provider('anthropic', ['ok']), target: target('claude-haiku-4-5') }], 12_345);
    expect(odd.calls[0]!.timeoutMs).toBe(Math.floor(12_345 - 12_345 * 0.3));
  });

  it('a rate limit whose retry-after would use the time kept for the fallbacks is not waited for: the fallback answers, the key cools down that long', async () => {
    // The Lambda default (29 s, 3 s kept to publish): 26 s for the chain. The primary answers 429 with
    // retry-after 20 s, then would hang; the fallback is healthy.
    const t = setup({ policy: { attemptTimeoutMs: 25_000 } });
    const primary = provider('openai', [{ afterMs: 120, failure: http(429, { retryAfterMs: 20_000 }) }, 'hang', 'hang']);
    const fallback = provider('anthropic', ['ok']);
    const started = t.now();
    const out = await t.run(
      [
        { provider: primary, target: target('gpt-4o') },
        { provider: fallback, target: target('claude-haiku-4-5') },
      ],
      26_000,
    );
    expect(t.sleeps).toEqual([]);
    expect(primary.calls).toHaveLength(1);
    expect(out.success?.entry.provider).toBe(fallback);
    expect(t.now() - started).toBe(120);
    expect(fallback.calls[0]!.timeoutMs).toBe(25_000);
    expect(out.attempts.map((a) => a.attempt)).toMatchObject([
      { provider: 'openai', outcome: 'error', status: 429, error_code: 'rate_limited', retryable: true, retry_after_ms: 20_000, not_retried: 'fallback_reserve' },
      { provider: 'anthropic', outcome: 'success' },
    ]);
    expect(t.cooldowns.until('openai|root/platform/openai')).toBe(started + 120 + 20_000);
  });

  it('never gives the time kept for the fallbacks to an earlier provider: neither to a retry nor to a first attempt', async () => {
    const chain = (primary: LlmProvider, fallback: LlmProvider): ChainEntry[] => [
      { provider: primary, target: target('gpt-4o') },
      { provider: fallback, target: target('claude-haiku-4-5') },
    ];
    // 8 s left: 2.4 s kept. The primary hangs through its 5.6 s; a retry would need 1.25 s of the 2.4 s.
    const t = setup();
    const slow = provider('openai', ['hang', 'ok']);
    const fallback = provider('anthropic', ['ok']);
    const out = await t.run(chain(slow, fallback), 8000);
    expect(slow.calls.map((c) => c.timeoutMs)).toEqual([5600]);
    expect(fallback.calls.map((c) => c.timeoutMs)).toEqual([2400]);
    expect(out.success?.entry.provider).toBe(fallback);
    expect(out.attempts[0]!.attempt).toMatchObject({ error_code: 'timeout', not_retried: 'fallback_reserve' });

    // 1.5 s left: the fallback needs its minimal attempt (1 s), so the primary cannot have a useful one.
    const t2 = setup();
    const primary = provider('openai', ['ok']);
    const last = provider('anthropic', ['ok']);
    const short = await t2.run(chain(primary, last), 1500);
    expect(primary.calls).toHaveLength(0);
    expect(last.calls.map((c) => c.timeoutMs)).toEqual([1500]);
    expect(short.attempts.map((a) => a.attempt)).toMatchObject([
      { provider: 'openai', outcome: 'skipped', error_code: 'fallback_reserve', message: 'only 1500 ms left before the deadline, 1000 ms of them kept for the fallbacks' },
      { provider: 'anthropic', outcome: 'success' },
    ]);
  });

  it('does not start an attempt without time for it', async () => {
    const t = setup({ policy: { minAttemptMs: 1000 } });
    const p = provider('openai', ['ok']);
    const out = await t.run([{ provider: p, target: target('gpt-4o') }], 500);
    expect(p.calls).toHaveLength(0);
    expect(out.attempts[0]!.attempt).toMatchObject({ outcome: 'skipped', error_code: 'deadline_exceeded' });
    expect(out.blames).toEqual(['timeout']);
  });

  it('a key error (missing secret) is an attempt of its own and the chain goes on', async () => {
    const t = setup();
    const engine = new StrategyEngine({
      credentials: async (p) => {
        if (p.name === 'openai') throw Object.assign(new Error('secret x is not configured'), { code: 'x' });
        return { credential: { apiKey: 'k', baseUrl: 'https://x', fields: {} }, source: 'platform', secretName: 's' };
      },
      invalidateCredential: () => undefined,
      cooldowns: t.cooldowns,
      policy: defaultRetryPolicy,
    });
    const out = await engine.execute('text_generation', input, [
      { provider: provider('openai', []), target: target('gpt-4o') },
      { provider: provider('anthropic', ['ok']), target: target('claude-haiku-4-5') },
    ], { workspaceId: 'ws', deadline: Date.now() + 10_000 });
    expect(out.attempts[0]!.attempt).toMatchObject({ outcome: 'error', error_code: 'credential_error', message: 'secret x is not configured' });
    expect(out.success).toBeDefined();
  });

  it('only request errors → onlyRequestErrors (the caller gets 400); anything else → not', async () => {
    const t = setup();
    const both400 = await t.run([
      { provider: provider('openai', [http(400)]), target: target('gpt-4o') },
      { provider: provider('anthropic', [http(422)]), target: target('claude-haiku-4-5') },
    ]);
    expect(both400.onlyRequestErrors).toBe(true);
    const mixed = await t.run([
      { provider: provider('openai', [http(400)]), target: target('gpt-4o') },
      { provider: provider('anthropic', [http(401)]), target: target('claude-haiku-4-5') },
    ]);
    expect(mixed.onlyRequestErrors).toBe(false);
  });

  it('a network failure or a timeout names the host the attempt went to', async () => {
    const t = setup({ policy: { maxRetries: 0 } });
    const out = await t.run([
      { provider: provider('openai', [{ kind: 'network', message: 'getaddrinfo ENOTFOUND api.example.test' }]), target: target('gpt-4o') },
      { provider: provider('anthropic', [{ kind: 'timeout', message: 'no response before the attempt timeout' }]), target: target('claude-haiku-4-5') },
    ]);
    expect(out.attempts.map((a) => a.attempt.message)).toEqual(['could not reach x: getaddrinfo ENOTFOUND api.example.test', 'x: no response before the attempt timeout']);
    expect(new Set(out.blames)).toEqual(new Set(['unavailable', 'timeout']));
  });
});

describe('cooldown', () => {
  it('after three retryable failures in a row the key is skipped until the cooldown ends; a success clears the count', async () => {
    const t = setup({ policy: { baseDelayMs: 1 } });
    const chain = (p: LlmProvider): ChainEntry[] => [
      { provider: p, target: target('gpt-4o') },
      { provider: provider('anthropic', ['ok']), target: target('claude-haiku-4-5') },
    ];
    const flaky = provider('openai', [http(503), http(503), http(503)]);
    await t.run(chain(flaky));
    expect(flaky.calls).toHaveLength(3);
    const skipped = await t.run(chain(flaky));
    expect(flaky.calls).toHaveLength(3);
    expect(skipped.attempts[0]!.attempt).toMatchObject({ outcome: 'skipped', error_code: 'cooldown' });
    // The skipped attempt carries the failure that started the cooldown.
    expect(skipped.attempts[0]!.attempt.message).toBe('key root/platform/openai is cooling down after repeated failures (5 s left); it began with openai/gpt-4o: 503 overloaded — status 503');
    t.advance(5001);
    const again = await t.run(chain(flaky));
    expect(flaky.calls).toHaveLength(4);
    expect(again.success?.entry.provider).toBe(flaky);

    // Two failures, a success, two failures: never three in a row, never cooled down.
    const recovering = provider('openai', [http(503), 'ok', http(503), http(503)]);
    const t2 = setup({ policy: { baseDelayMs: 1, maxRetries: 1 } });
    await t2.run(chain(recovering));
    await t2.run(chain(recovering));
    expect(t2.cooldowns.until('openai|root/platform/openai')).toBeUndefined();
  });

  it('a rejected key (401) or an empty account cools down at once; request errors never do; keys are separate', async () => {
    const t = setup({ secret: (p) => `root/${p}` });
    await t.run([{ provider: provider('openai', [http(401)]), target: target('gpt-4o') }]);
    expect(t.cooldowns.until('openai|root/openai')).toBeDefined();
    await t.run([{ provider: provider('anthropic', [http(429, { quotaExhausted: true })]), target: target('claude-haiku-4-5') }]);
    expect(t.cooldowns.until('anthropic|root/anthropic')).toBeDefined();
    await t.run([{ provider: provider('deepseek', [http(400), http(400), http(400), http(400)]), target: target('deepseek-v4-flash') }]);
    await t.run([{ provider: provider('deepseek', [http(400)]), target: target('deepseek-v4-flash') }]);
    await t.run([{ provider: provider('deepseek', [http(400)]), target: target('deepseek-v4-flash') }]);
    expect(t.cooldowns.until('deepseek|root/deepseek')).toBeUndefined();
  });

  it('timeouts and unreadable answers for one workspace do not cool the shared key for the others; 503s do', async () => {
    const t = setup({ policy: { baseDelayMs: 1, attemptTimeoutMs: 2000 } });
    const key = 'openai|root/platform/openai';
    const chain = (p: LlmProvider): ChainEntry[] => [
      { provider: p, target: target('gpt-4o') },
      { provider: provider('anthropic', ['ok']), target: target('claude-haiku-4-5') },
    ];
    // Workspace A's requests time out (huge prompts): three in a row on the platform key.
    const platformKey = provider('openai', ['hang', 'hang', 'hang']);
    await t.run(chain(platformKey), 20_000, 'ws_a');
    expect(platformKey.calls).toHaveLength(3);
    expect(t.cooldowns.until(key)).toBeUndefined();
    // Workspace B still gets the platform key.
    const b = await t.run(chain(platformKey), 20_000, 'ws_b');
    expect(platformKey.calls).toHaveLength(4);
    expect(b.success?.entry.provider).toBe(platformKey);
    // Workspace A itself goes to its fallback for a while.
    const a = await t.run(chain(platformKey), 20_000, 'ws_a');
    expect(platformKey.calls).toHaveLength(4);
    expect(a.attempts[0]!.attempt).toMatchObject({ outcome: 'skipped', error_code: 'cooldown', message: expect.stringContaining('for this workspace') });

    // Unreadable answers likewise (not retried: three requests).
    const garbled = provider('openai', [{ kind: 'bad_response', message: 'x' }, { kind: 'bad_response', message: 'x' }, { kind: 'bad_response', message: 'x' }]);
    for (let i = 0; i < 3; i++) await t.run(chain(garbled), 20_000, 'ws_c');
    expect(t.cooldowns.until(key)).toBeUndefined();
    expect((await t.run(chain(garbled), 20_000, 'ws_b')).success?.entry.provider).toBe(garbled);

    // The provider failing (503 three times) cools the key for everyone.
    const overloaded = provider('openai', [http(503), http(503), http(503)]);
    await t.run(chain(overloaded), 20_000, 'ws_a2');
    expect(t.cooldowns.until(key)).toBeDefined();
    const other = await t.run(chain(overloaded), 20_000, 'ws_b');
    expect(overloaded.calls).toHaveLength(3);
    expect(other.attempts[0]!.attempt).toMatchObject({ outcome: 'skipped', error_code: 'cooldown' });
  });

  it('a rate limit whose retry-after cannot be honoured cools the key for that long (at most 60 s)', async () => {
    const t = setup();
    await t.run([{ provider: provider('openai', [http(429, { retryAfterMs: 30_000 })]), target: target('gpt-4o') }], 10_000);
    const until = t.cooldowns.until('openai|root/platform/openai')!;
    t.advance(29_000);
    expect(t.cooldowns.until('openai|root/platform/openai')).toBe(until);
    t.advance(1001);
    expect(t.cooldowns.until('openai|root/platform/openai')).toBeUndefined();
  });
});

describe('run: the loop over any provider steps (the audio service uses it)', () => {
  const step = (p: Scripted, label: string) => ({ provider: p, label, meta: { label }, invoke: (credential: never, options: CallOptions) => p.call('text_generation', input, target('gpt-4o').model, credential, options) });

  it('reports each attempt with its step label and meta, and the index of the step that answered', async () => {
    const t = setup();
    const a = provider('azure', [http(503), http(503), http(503)]);
    const b = provider('elevenlabs', ['ok']);
    const out = await t.engine.run([step(a, 'azure:en-US-JennyNeural'), step(b, 'elevenlabs:21m00Tcm4TlvDq8ikWAM')], { workspaceId: 'ws', deadline: clock + 20_000 });
    expect(out.success?.index).toBe(1);
    expect(out.attempts.map((x) => `${x.attempt.provider}/${x.attempt.model}:${x.attempt.outcome}`)).toEqual([
      'azure/azure:en-US-JennyNeural:error',
      'azure/azure:en-US-JennyNeural:error',
      'azure/azure:en-US-JennyNeural:error',
      'elevenlabs/elevenlabs:21m00Tcm4TlvDq8ikWAM:success',
    ]);
    expect(out.attempts[3]!.meta).toEqual({ label: 'elevenlabs:21m00Tcm4TlvDq8ikWAM' });
  });

  it('stopOnRequestError: a provider that rejects the request itself ends the chain (no fallback); other failures still fall back', async () => {
    const t = setup();
    const rejecting = provider('azure', [http(400, { providerCode: 'bad_ssml' })]);
    const next = provider('openai', ['ok']);
    const stopped = await t.engine.run([step(rejecting, 'a'), step(next, 'b')], { workspaceId: 'ws', deadline: clock + 20_000, stopOnRequestError: true });
    expect(stopped).toMatchObject({ stoppedOnRequestError: true, blames: ['request'] });
    expect(stopped.success).toBeUndefined();
    expect(next.calls).toHaveLength(0);

    const unauthorised = provider('azure', [http(401)]);
    const fellBack = await t.engine.run([step(unauthorised, 'a'), step(next, 'b')], { workspaceId: 'ws2', deadline: clock + 20_000, stopOnRequestError: true });
    expect(fellBack.success?.index).toBe(1);

    // Without the option (the LLM service), a 400 goes on to the fallback as before.
    const again = provider('azure', [http(400)]);
    const llmLike = await t.engine.run([step(again, 'a'), step(provider('openai', ['ok']), 'b')], { workspaceId: 'ws3', deadline: clock + 20_000 });
    expect(llmLike.success?.index).toBe(1);
  });
});

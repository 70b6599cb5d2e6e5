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
import { classifyFailure, decideRetry, defaultRetryPolicy, type RetryPolicy } from '../../shared/llm/retry-policy';

class Failure extends Error {
  constructor(readonly failure: ProviderFailure) {
    super(failure.message);
  }
}

const ok: ProviderResult<{ choices: [] }> = { output: { choices: [] }, usage: { input_tokens: 1, output_tokens: 1 } };

interface Scripted extends LlmProvider {
  calls: CallOptions[];
}

function provider(name: string, script: Array<ProviderFailure | 'ok'>): Scripted {
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
  let now = 1_000_000;
  const sleeps: number[] = [];
  const cooldowns = new Cooldowns({ cooldownMs: 5000, failureThreshold: 3, windowMs: 60_000, maxCooldownMs: 60_000, clock: () => now });
  const invalidated: string[] = [];
  const engine = new StrategyEngine({
    credentials: async (p) => ({ credential: { apiKey: 'k', baseUrl: 'https://x', fields: {} }, source: 'platform', secretName: options.secret?.(p.name) ?? `root/platform/${p.name}` }),
    invalidateCredential: (name) => invalidated.push(name),
    cooldowns,
    policy: { ...defaultRetryPolicy, ...options.policy },
    clock: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => options.random ?? 0,
  });
  return {
    engine,
    sleeps,
    invalidated,
    cooldowns,
    advance: (ms: number) => (now += ms),
    run: (chain: ChainEntry[], deadlineIn = 20_000) => engine.execute('text_generation', input, chain, { workspaceId: 'ws', deadline: now + deadlineIn }),
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

  it('does not start an attempt without time for it', async () => {
    const t = setup({ policy: { minAttemptMs: 1000 } });
    const p = provider('openai', ['ok']);
    const out = await t.run([{ provider: p, target: target('gpt-4o') }], 500);
    expect(p.calls).toHaveLength(0);
    expect(out.attempts[0]!.attempt).toMatchObject({ outcome: 'skipped', error_code: 'deadline_exceeded' });
    expect(out.lastBlame).toBe('timeout');
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

/**
 * Meta's error codes mapped to actions: refusals with our code (and Meta's words in details.graph),
 * rate limits backed off within the deadline, effects for the caller (pause, marketing opt-out).
 */
import { GraphApiError } from '../../shared/whatsapp/errors';
import { GraphFailure } from '../../shared/whatsapp/graph-api/client';
import { ionfluxCodeOf, judgeGraphFailure, MAX_GRAPH_ATTEMPTS, withGraphRetries } from '../../shared/whatsapp/graph-policy';

const failure = (code: number | undefined, options: { http?: number; endpoint?: 'sendMessage' | 'listTemplates'; kind?: 'http' | 'network' | 'timeout'; maybeSent?: boolean; subcode?: number; transient?: boolean } = {}) =>
  new GraphFailure(options.endpoint ?? 'sendMessage', options.kind ?? 'http', { http_status: options.http ?? (options.kind && options.kind !== 'http' ? 0 : 400), message: `meta says ${code}`, ...(code !== undefined ? { code } : {}), ...(options.subcode ? { subcode: options.subcode } : {}), fbtrace_id: 'Atrace' }, {
    ...(options.maybeSent !== undefined ? { maybeSent: options.maybeSent } : {}),
    ...(options.transient !== undefined ? { transient: options.transient } : {}),
  });

const refusal = (code: number, extra: Parameters<typeof failure>[1] = {}) => {
  const verdict = judgeGraphFailure(failure(code, extra), 1);
  if (verdict.kind !== 'fail') throw new Error(`expected a refusal for ${code}`);
  return verdict.error;
};

describe('Graph error policy', () => {
  it('refuses with our code, a sentence and what Meta said', () => {
    const window = refusal(131047);
    expect([window.status, window.code]).toEqual([409, 'outside_customer_service_window']);
    expect(window.details).toMatchObject({ graph: { code: 131047, message: 'meta says 131047', fbtrace_id: 'Atrace' } });
    expect([refusal(131026).status, refusal(131026).code]).toEqual([422, 'message_undeliverable']);
    expect(refusal(132001).code).toBe('template_rejected');
    expect(refusal(100, { subcode: 2388024 }).code).toBe('template_exists');
    const unknown = refusal(999_999);
    expect([unknown.status, unknown.code]).toEqual([502, 'whatsapp_request_failed']);
    expect(unknown.message).toMatch(/code 999999/);
  });

  it('asks the caller to pause the number (131048), record a marketing opt-out (131050), drop a rejected token (190)', () => {
    expect(refusal(131048)).toMatchObject({ status: 409, code: 'phone_number_paused', effect: 'pause_number' });
    expect(refusal(131050)).toMatchObject({ status: 409, code: 'recipient_opted_out', effect: 'opt_out_marketing' });
    expect(refusal(190)).toMatchObject({ status: 502, code: 'whatsapp_token_rejected', effect: 'token_rejected' });
    expect(refusal(131049).headers).toEqual({ 'retry-after': '86400' });
  });

  it('backs off on rate limits: 130429, 131056 at 4^X seconds, 4 and 80007; transient and 5xx too', () => {
    for (const code of [130429, 131056, 4, 80007, 131000]) expect(judgeGraphFailure(failure(code), 1).kind).toBe('retry');
    // 4^X seconds (1, 4, 16), with ±20 % jitter.
    const pair = [1, 2, 3].map((n) => judgeGraphFailure(failure(131056), n));
    pair.forEach((verdict, i) => {
      const expected = [1000, 4000, 16000][i]!;
      expect(verdict.kind === 'retry' && verdict.waitMs >= expected * 0.8 && verdict.waitMs <= expected * 1.2).toBe(true);
    });
    expect(judgeGraphFailure(failure(undefined, { http: 429 }), 1).kind).toBe('retry');
    expect(judgeGraphFailure(failure(undefined, { http: 503, transient: true }), 1).kind).toBe('retry');
    const last = judgeGraphFailure(failure(130429), MAX_GRAPH_ATTEMPTS);
    expect(last.kind === 'fail' && [last.error.status, last.error.code]).toEqual([503, 'whatsapp_rate_limited']);
  });

  it('never sends a message again when Meta may have taken it (no answer), but retries reads and refused connections', () => {
    const unsure = judgeGraphFailure(failure(undefined, { kind: 'timeout', maybeSent: true }), 1);
    expect(unsure.kind === 'fail' && [unsure.error.status, unsure.error.code]).toEqual([503, 'whatsapp_unconfirmed']);
    expect(judgeGraphFailure(failure(undefined, { kind: 'network', maybeSent: false }), 1).kind).toBe('retry');
    expect(judgeGraphFailure(failure(undefined, { kind: 'timeout', maybeSent: true, endpoint: 'listTemplates' }), 1).kind).toBe('retry');
  });

  it('retries within the deadline, then answers 503 with Retry-After', async () => {
    const waits: number[] = [];
    let calls = 0;
    const ok = await withGraphRetries(
      async () => {
        if (++calls < 3) throw failure(130429);
        return 'sent';
      },
      { deadline: Date.now() + 60_000, sleep: async (ms) => void waits.push(ms) },
    );
    expect([ok, calls, waits.length]).toEqual(['sent', 3, 2]);
    const error = await withGraphRetries(() => Promise.reject(failure(131056)), { deadline: Date.now() + 500, sleep: async () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphApiError);
    expect(error).toMatchObject({ status: 503, code: 'whatsapp_rate_limited' });
    expect(['1', '2']).toContain((error as GraphApiError).headers!['retry-after']); // 1 s, ±20 % jitter, rounded up
  });

  it('names our code for errors Meta reports in failed statuses', () => {
    expect(ionfluxCodeOf(131047)).toBe('outside_customer_service_window');
    expect(ionfluxCodeOf('131026')).toBe('message_undeliverable');
    expect(ionfluxCodeOf(130429)).toBe('whatsapp_rate_limited');
    expect(ionfluxCodeOf(4242)).toBe('whatsapp_delivery_failed');
  });
});

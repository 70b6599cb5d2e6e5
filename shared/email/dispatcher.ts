/**
 * The one strategy of every email send (single or bulk recipient): try the primary transport, retry a
 * retryable failure on it within the deadline (the shared retry policy of shared/llm/retry-policy.ts,
 * keeping time for the failover), then fail over; set aside an account that keeps failing (the shared
 * cooldowns). A content error (`rejected`) ends it at once: 422 with the provider's reason, never the
 * failover (another provider would refuse it too, or worse, accept what the first refused).
 */
import { errorMessage } from '../errors';
import type { Cooldowns } from '../llm/cooldown';
import type { ProviderFailure } from '../llm/provider';
import { decideRetry, type FailureClass, fallbackReserve, type RetryPolicy } from '../llm/retry-policy';
import { moduleLogger } from '../observability/logger';
import { sleep } from '../timing';
import type { TransportName } from './config';
import { EmailUnavailableError, MessageRejectedError } from './errors';
import type { OutgoingEmail } from './message';
import { canFailOver, canRetry, type EmailTransport, PACING_CODE, SendDeferredError, TransportFailure } from './transport';

const log = moduleLogger('email-dispatch');

export interface AttemptReport {
  provider: TransportName;
  code: string;
  message: string;
  retried: boolean;
}

export interface Dispatched {
  provider: TransportName;
  providerMessageId: string;
  attempts: AttemptReport[];
}

export interface DispatcherDeps {
  /** The transports to try for this message, in order (primary first). */
  route: (message: OutgoingEmail) => Promise<EmailTransport[]>;
  cooldowns: Cooldowns;
  policy: RetryPolicy;
  clock?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const classOf = (failure: TransportFailure): FailureClass => ({
  code: failure.code,
  retryable: canRetry(failure),
  blame: failure.kind === 'rejected' ? 'request' : 'unavailable',
  cooldown: failure.kind === 'paused' ? 'now' : 'count',
});

export class EmailDispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  /**
   * Sends one message. Throws MessageRejectedError (422) for a content error, EmailUnavailableError (503)
   * when no transport took it in time; anything else is a bug and propagates.
   * `maxRetries` overrides the policy's retries of one transport (bulk recipients retry later instead);
   * `deferPacing` makes a pacing wait longer than the deadline a SendDeferredError instead of a failover
   * (a bulk worker sends that recipient in its next round; a single send fails over, as for a throttle).
   */
  async deliver(message: OutgoingEmail, options: { deadline: number; maxRetries?: number; deferPacing?: boolean; signal?: AbortSignal }): Promise<Dispatched> {
    const transports = await this.deps.route(message);
    const attempts: AttemptReport[] = [];
    const policy = options.maxRetries === undefined ? this.deps.policy : { ...this.deps.policy, maxRetries: options.maxRetries };
    let retryAfterMs = 0;
    for (const [index, transport] of transports.entries()) {
      const hasFallback = index < transports.length - 1;
      const cooldownKey = `${transport.name}:${await transport.account(message).catch(() => 'unknown')}`;
      const coolingUntil = this.deps.cooldowns.until(cooldownKey);
      if (coolingUntil !== undefined && hasFallback) {
        attempts.push({ provider: transport.name, code: 'cooling_down', message: `set aside after repeated failures, until ${new Date(coolingUntil).toISOString()}`, retried: false });
        continue;
      }
      const reserve = fallbackReserve(options.deadline - this.now(), policy, hasFallback);
      for (let retries = 0; ; retries++) {
        const controller = new AbortController();
        const signal = options.signal ? AbortSignal.any([controller.signal, options.signal]) : controller.signal;
        const timer = setTimeout(() => controller.abort(), Math.max(0, options.deadline - this.now()));
        try {
          const sent = await transport.send(message, { deadline: options.deadline - (hasFallback ? reserve : 0), signal });
          this.deps.cooldowns.succeed(cooldownKey);
          if (attempts.length) log.info('email sent after earlier failures', { dispatch_id: message.dispatchId, provider: transport.name, attempts });
          return { provider: transport.name, providerMessageId: sent.providerMessageId, attempts };
        } catch (error) {
          if (!(error instanceof TransportFailure)) throw error;
          const failure = error;
          if (options.deferPacing && failure.options.providerCode === PACING_CODE) throw new SendDeferredError(failure.provider, failure.options.retryAfterMs ?? 0);
          if (failure.kind === 'rejected') {
            log.info('email rejected by the provider', { dispatch_id: message.dispatchId, provider: failure.provider, code: failure.code, reason: failure.reason });
            throw new MessageRejectedError(failure.provider, failure.reason, { ...(failure.options.providerCode ? { providerCode: failure.options.providerCode } : {}), cause: failure });
          }
          // Our own deadline, or our own pacing, says nothing about the provider's health.
          if (failure.kind !== 'deadline' && failure.options.providerCode !== PACING_CODE) {
            const cls = classOf(failure);
            this.deps.cooldowns.fail(cooldownKey, cls.cooldown === 'now' ? 'now' : 'count', failure.kind === 'paused' ? failure.options.retryAfterMs : undefined);
          }
          retryAfterMs = Math.max(retryAfterMs, failure.options.retryAfterMs ?? 0);
          const decision = canRetry(failure)
            ? decideRetry(classOf(failure), { kind: 'http', message: failure.reason, ...(failure.options.retryAfterMs === undefined ? {} : { retryAfterMs: failure.options.retryAfterMs }) } satisfies ProviderFailure, retries, this.now(), options.deadline, policy, this.deps.random, hasFallback ? reserve : 0)
            : ({ retry: false } as const);
          attempts.push({ provider: failure.provider, code: failure.code, message: failure.reason, retried: decision.retry });
          log.warn('email attempt failed', { dispatch_id: message.dispatchId, provider: failure.provider, kind: failure.kind, code: failure.code, reason: failure.reason, retry: decision.retry });
          if (decision.retry) {
            await (this.deps.sleep ?? sleep)(decision.delayMs, options.signal);
            continue;
          }
          if (failure.kind === 'deadline' || !canFailOver(failure)) throw new EmailUnavailableError(attempts, Math.max(1, Math.ceil(retryAfterMs / 1000)));
          break;
        } finally {
          clearTimeout(timer);
        }
      }
    }
    throw new EmailUnavailableError(attempts, Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }
}

/** A short description of why a send did not happen, for records and logs. */
export const describeFailure = (error: unknown): string => (error instanceof MessageRejectedError ? error.reason : errorMessage(error));

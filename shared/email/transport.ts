/**
 * What a transport (SES, SendGrid, the embedded mail catcher) does — take one message, answer with the
 * provider's message id — and the one vocabulary of its failures, which the dispatcher's strategy
 * (retry, failover, cooldown) reads. Providers classify their own errors into it (their `api.ts`).
 */
import type { TransportName } from './config';
import type { OutgoingEmail } from './message';

export interface SendOptions {
  /** Epoch ms by which the call must be over. */
  deadline: number;
  /** Aborts the call (the deadline, or the caller giving up). */
  signal: AbortSignal;
}

export interface SendResult {
  providerMessageId: string;
}

export interface EmailTransport {
  readonly name: TransportName;
  /** The account this transport sends from (cooldowns and pacing are per account), e.g. `platform` or a secret name. */
  account(message: OutgoingEmail): Promise<string>;
  send(message: OutgoingEmail, options: SendOptions): Promise<SendResult>;
}

/**
 * - `rejected`: the message itself was refused (MessageRejected, an invalid address, SendGrid 4xx
 *   other than 429): another provider would refuse it too. Never retried, never failed over: 422.
 * - `throttled`: over the provider's rate (SES Throttling, SendGrid 429). Retried after a wait, then failed over.
 * - `unavailable`: 5xx, a dropped connection, a timeout. Retried, then failed over.
 * - `paused`: the account cannot send now (SES SendingPaused, account suspended, a refused key, the
 *   daily quota): retrying the same account does not help. Failed over at once; the account cools down.
 * - `deadline`: our own deadline ran out before or during the call.
 */
export type FailureKind = 'rejected' | 'throttled' | 'unavailable' | 'paused' | 'deadline';

export class TransportFailure extends Error {
  constructor(
    readonly provider: TransportName,
    readonly kind: FailureKind,
    /** The provider's reason, as it said it (what a 422 passes on to the caller). */
    readonly reason: string,
    readonly options: { providerCode?: string; status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(`${provider} ${kind}: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportFailure';
  }

  get code(): string {
    return this.options.providerCode ?? this.kind;
  }
}

/** Whether another attempt (same provider after a wait, or the failover) can succeed. */
export const canRetry = (failure: TransportFailure): boolean => failure.kind === 'throttled' || failure.kind === 'unavailable';
export const canFailOver = (failure: TransportFailure): boolean => failure.kind !== 'rejected' && failure.kind !== 'deadline';

/** The provider code of a pacing wait too long for the caller (a send slot, a SendGrid pause): not a provider answer. */
export const PACING_CODE = 'pacing';

/** A bulk send that must wait for its pacing slot longer than this invocation can: sent later, not failed over. */
export class SendDeferredError extends Error {
  constructor(
    readonly provider: TransportName,
    readonly waitMs: number,
  ) {
    super(`${provider}: the next send slot is ${Math.round(waitMs)} ms away; sent later`);
    this.name = 'SendDeferredError';
  }
}

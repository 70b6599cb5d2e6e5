/** Errors of the email dispatch service: each carries the HTTP status and a code for the caller. */
import { IonfluxError } from '../errors';

/** 400: a request field is wrong; the message names it. */
export class InvalidEmailRequestError extends IonfluxError {
  constructor(field: string, problem: string, options: { cause?: unknown } = {}) {
    super('invalid_body', `${field}: ${problem}`, { status: 400, details: { field }, ...options });
  }
}

/** 409: every recipient is on the workspace's suppression list for this category. */
export class AllRecipientsSuppressedError extends IonfluxError {
  constructor(recipients: Array<{ email: string; reason: string }>) {
    super('all_recipients_suppressed', 'every recipient is suppressed for this category (hard bounce, complaint or unsubscribe); nothing was sent', {
      status: 409,
      details: { recipients },
    });
  }
}

/** 409: an idempotency key already used by a different request of the same workspace. */
export class IdempotencyKeyReusedError extends IonfluxError {
  constructor() {
    super('idempotency_key_reused', 'this idempotency_key was already used for a different request of this workspace', { status: 409 });
  }
}

/** 409: the first request with this idempotency key is still being processed. */
export class RequestInProgressError extends IonfluxError {
  constructor(retryAfterS: number) {
    super('request_in_progress', 'a request with this idempotency_key is still being processed; retry later for its answer', {
      status: 409,
      headers: { 'retry-after': String(retryAfterS) },
    });
  }
}

/**
 * 422: the provider refused the message itself (MessageRejected, an invalid address, a 4xx from
 * SendGrid other than 429). Another provider would refuse it too: no failover.
 */
export class MessageRejectedError extends IonfluxError {
  constructor(
    readonly provider: string,
    readonly reason: string,
    options: { providerCode?: string; cause?: unknown } = {},
  ) {
    super('message_rejected', `${provider} rejected the message: ${reason}`, {
      status: 422,
      details: { provider, reason, ...(options.providerCode ? { provider_code: options.providerCode } : {}) },
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}

/** 503: no provider could take the message in time (throttled, down, paused); retry later. */
export class EmailUnavailableError extends IonfluxError {
  constructor(attempts: Array<{ provider: string; code: string; message: string }>, retryAfterS = 5, options: { cause?: unknown } = {}) {
    super('email_unavailable', `no email provider accepted the message: ${attempts.map((a) => `${a.provider}: ${a.code}`).join('; ') || 'none available'}`, {
      status: 503,
      details: { attempts },
      headers: { 'retry-after': String(retryAfterS) },
      ...options,
    });
  }
}

/** 404: no batch with this id in this workspace. */
export class BatchNotFoundError extends IonfluxError {
  constructor(batchId: string) {
    super('batch_not_found', `no bulk email batch "${batchId}" in this workspace`, { status: 404 });
  }
}

/** 400 on the public unsubscribe route: the token is missing, malformed or not ours. Says nothing more. */
export class InvalidUnsubscribeTokenError extends IonfluxError {
  constructor() {
    super('invalid_token', 'this unsubscribe link is not valid', { status: 400 });
  }
}

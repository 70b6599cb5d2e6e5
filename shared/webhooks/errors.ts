import { IonfluxError } from '../errors';

const SIGNATURE_PROBLEMS = {
  missing: ['missing_signature', 'no signature header'],
  invalid: ['invalid_signature', 'signature does not match the body'],
  expired: ['signature_expired', 'the signed timestamp is outside the tolerance (a replay, or a clock far off)'],
} as const;

/** 401: a missing, wrong or (for timestamped schemes) too old signature. Nothing else about the request is looked at. */
export class WebhookSignatureError extends IonfluxError {
  constructor(provider: string, problem: keyof typeof SIGNATURE_PROBLEMS) {
    const [code, message] = SIGNATURE_PROBLEMS[problem];
    super(code, `${provider} webhook: ${message}`, { status: 401 });
  }
}

/** 400: a correctly signed request that is not a well-formed delivery. */
export class MalformedWebhookError extends IonfluxError {
  constructor(provider: string, problem: string, details?: Record<string, unknown>) {
    super('malformed_webhook', `${provider} webhook: ${problem}`, { status: 400, ...(details ? { details } : {}) });
  }
}

/**
 * 400: a signed delivery older than the provider's replay window (its dedup records' lifetime): a replay
 * of a captured request, since the provider itself stops retrying well before. Headers are not signed, so
 * this catches replays that keep the provider's timestamp; the body-hash dedup catches the others within
 * the window.
 */
export class StaleWebhookError extends IonfluxError {
  constructor(provider: string, triggeredAt: string, windowS: number) {
    super('stale_webhook', `${provider} webhook: triggered at ${triggeredAt}, more than ${windowS / 3600} h ago (deliveries are accepted for ${windowS / 3600} h)`, {
      status: 400,
      details: { triggered_at: triggeredAt, window_seconds: windowS },
    });
  }
}

/** 409: the same delivery is being processed right now by another invocation; retry later. */
export class DeliveryInProgressError extends IonfluxError {
  constructor(dedupKey: string) {
    super('delivery_in_progress', 'this delivery is being processed by another request; retry later', {
      status: 409,
      details: { dedup_key: dedupKey },
      headers: { 'retry-after': '10' },
    });
  }
}

/** 400: a parked-webhook filter that cannot be answered as asked. */
export class ParkedFilterError extends IonfluxError {
  constructor(problem: string) {
    super('invalid_parked_filter', `parked webhooks: ${problem}`, { status: 400 });
  }
}

/** 403: a verification handshake (subscription check) with a wrong token or mode. Says nothing more. */
export class WebhookHandshakeError extends IonfluxError {
  constructor(provider: string) {
    super('verification_refused', `${provider} webhook verification refused`, { status: 403 });
  }
}

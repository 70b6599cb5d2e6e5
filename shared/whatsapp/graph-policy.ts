/**
 * What each Graph API failure means for us, in one place: Meta's error codes (branch on `code`, never on
 * titles) mapped to an action — retry after a backoff within the caller's deadline, or refuse with our
 * own code, a sentence a person understands and what Meta said (`details.graph`), sometimes with an
 * effect the caller carries out (pause the number, record a marketing opt-out, drop a cached token).
 * The retry loop every Graph call shares lives here too.
 */
import { sleep as defaultSleep } from '../timing';
import { type GraphEffect, GraphApiError, type GraphErrorInfo } from './errors';
import { graphEndpoints } from './graph-api/api';
import { GraphFailure } from './graph-api/client';

export type GraphVerdict = { kind: 'retry'; waitMs: number; reason: string } | { kind: 'fail'; error: GraphApiError };

interface Refusal {
  status: number;
  code: string;
  message: string;
  effect?: GraphEffect;
  retryAfterS?: number;
}

/** Meta's codes that refuse the request for good (for this message): never retried. */
const REFUSALS: Record<number, Refusal> = {
  131047: { status: 409, code: 'outside_customer_service_window', message: 'more than 24 hours have passed since the recipient last wrote to this number: only an approved template can be sent' },
  131026: { status: 422, code: 'message_undeliverable', message: 'the recipient cannot receive this message (not a WhatsApp user, an old app version, or terms not accepted); do not retry' },
  131048: { status: 409, code: 'phone_number_paused', message: 'Meta limited this number for spam reports (quality): sending from it is paused', effect: 'pause_number', retryAfterS: 3600 },
  131050: { status: 409, code: 'recipient_opted_out', message: 'the recipient stopped marketing messages from this business in WhatsApp: recorded as a marketing opt-out', effect: 'opt_out_marketing' },
  131049: { status: 409, code: 'recipient_marketing_limit', message: 'Meta did not deliver this marketing message to keep the recipient’s engagement healthy; try again in 24 hours or later', retryAfterS: 86_400 },
  131051: { status: 400, code: 'unsupported_message_type', message: 'WhatsApp does not support this message type' },
  131052: { status: 422, code: 'media_download_failed', message: 'Meta could not download the media the message links to' },
  131053: { status: 422, code: 'media_upload_failed', message: 'Meta could not process the media (type or size not supported)' },
  131008: { status: 400, code: 'invalid_message', message: 'a required parameter is missing' },
  131009: { status: 400, code: 'invalid_message', message: 'a parameter value is not valid' },
  131021: { status: 400, code: 'invalid_message', message: 'the recipient is the sending number itself' },
  100: { status: 400, code: 'invalid_request', message: 'Meta refused a parameter of the request' },
  132000: { status: 422, code: 'template_rejected', message: 'the number of template parameters does not match the template' },
  132001: { status: 422, code: 'template_rejected', message: 'the template does not exist in that language (or is not approved)' },
  132005: { status: 422, code: 'template_rejected', message: 'the template text with its parameters is too long' },
  132007: { status: 422, code: 'template_rejected', message: 'the template parameters break WhatsApp’s formatting policy' },
  132012: { status: 422, code: 'template_rejected', message: 'a template parameter has the wrong format' },
  132015: { status: 422, code: 'template_rejected', message: 'the template is paused for low quality' },
  132016: { status: 422, code: 'template_rejected', message: 'the template is disabled' },
  132018: { status: 422, code: 'template_rejected', message: 'a template parameter is not valid' },
  133010: { status: 409, code: 'phone_number_not_registered', message: 'the phone number is not registered with the Cloud API (onboarding did not finish)' },
  133005: { status: 409, code: 'registration_pin_mismatch', message: 'the two-step verification PIN does not match the one set on this number; pass its current pin' },
  131031: { status: 409, code: 'whatsapp_account_locked', message: 'the WhatsApp Business Account is locked (policy or integrity review)' },
  131042: { status: 409, code: 'whatsapp_payment_required', message: 'the WhatsApp Business Account has a payment problem' },
  368: { status: 409, code: 'whatsapp_account_restricted', message: 'the account is temporarily blocked for policy violations' },
  190: { status: 502, code: 'whatsapp_token_rejected', message: 'Meta rejected the access token (expired or revoked)', effect: 'token_rejected' },
  10: { status: 502, code: 'whatsapp_permission_denied', message: 'the access token lacks a permission this call needs (whatsapp_business_messaging / management)' },
  200: { status: 502, code: 'whatsapp_permission_denied', message: 'the access token lacks a permission this call needs (whatsapp_business_messaging / management)' },
  3: { status: 502, code: 'whatsapp_permission_denied', message: 'the app lacks the capability this call needs' },
};

/** Sub-codes that say more than their code (Meta's code 100 covers many refusals). */
const SUBCODE_REFUSALS: Record<number, Refusal> = {
  2388024: { status: 409, code: 'template_exists', message: 'a template with this name already exists in this language' },
  2388023: { status: 409, code: 'template_name_unavailable', message: 'a template with this name is being deleted; use another name' },
};

const expo = (baseMs: number, attempt: number, capMs = 16_000) => Math.min(capMs, baseMs * 2 ** (attempt - 1));

/** Rate limits and transient faults: how long to wait before the next attempt. */
const BACKOFFS: Record<number, { reason: string; waitMs: (attempt: number) => number }> = {
  // Throughput (messages per second per number): our pacer should prevent it; a short wait, then paced again.
  130429: { reason: 'throughput limit of the number (130429)', waitMs: (n) => expo(500, n, 4000) },
  // Pair rate (one business, one user): Meta asks for 4^X seconds.
  131056: { reason: 'too many messages to this recipient (131056)', waitMs: (n) => Math.min(64_000, 1000 * 4 ** (n - 1)) },
  4: { reason: 'app call rate limit (4)', waitMs: (n) => expo(2000, n) },
  17: { reason: 'user call rate limit (17)', waitMs: (n) => expo(2000, n) },
  613: { reason: 'call rate limit (613)', waitMs: (n) => expo(2000, n) },
  80007: { reason: 'WhatsApp Business Account rate limit (80007)', waitMs: (n) => expo(2000, n) },
  1: { reason: 'Meta: unknown error (1)', waitMs: (n) => expo(500, n) },
  2: { reason: 'Meta: service temporarily unavailable (2)', waitMs: (n) => expo(500, n) },
  131000: { reason: 'Meta: something went wrong (131000)', waitMs: (n) => expo(500, n) },
  131016: { reason: 'Meta: service unavailable (131016)', waitMs: (n) => expo(500, n) },
};

/** Attempts of one call, all causes together. */
export const MAX_GRAPH_ATTEMPTS = 6;

const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

/** The verdict on attempt `attempt` (1-based) of a call that failed with `failure`. */
export function judgeGraphFailure(failure: GraphFailure, attempt: number): GraphVerdict {
  const info = failure.info;
  const refusal = (info.subcode !== undefined ? SUBCODE_REFUSALS[info.subcode] : undefined) ?? (info.code !== undefined ? REFUSALS[info.code] : undefined);
  if (refusal) return { kind: 'fail', error: refuse(refusal, info, failure) };
  const backoff = info.code !== undefined ? BACKOFFS[info.code] : undefined;
  if (backoff) return retryOrGiveUp(failure, attempt, backoff.reason, failure.retryAfterMs ?? jitter(backoff.waitMs(attempt)));
  if (failure.kind !== 'http') {
    // No answer: sending a message again could deliver it twice (Meta takes no idempotency key).
    if (failure.maybeSent && !graphEndpoints[failure.endpoint].idempotent) {
      return {
        kind: 'fail',
        error: new GraphApiError(503, 'whatsapp_unconfirmed', `Meta did not answer (${info.message}); the request may or may not have been carried out. Check the message status events before sending again`, info, { retryAfterS: 5, cause: failure }),
      };
    }
    return retryOrGiveUp(failure, attempt, `Meta unreachable: ${info.message}`, jitter(expo(300, attempt)));
  }
  if (info.http_status === 429 || failure.transient) return retryOrGiveUp(failure, attempt, `Meta answered ${info.http_status}`, failure.retryAfterMs ?? jitter(expo(500, attempt)));
  return {
    kind: 'fail',
    error: new GraphApiError(502, 'whatsapp_request_failed', `Meta refused the request${info.code !== undefined ? ` (code ${info.code})` : ''}: ${info.message}`, info, { cause: failure }),
  };
}

function refuse(refusal: Refusal, info: GraphErrorInfo, failure: GraphFailure): GraphApiError {
  const detail = info.details ? ` (${info.details})` : '';
  return new GraphApiError(refusal.status, refusal.code, `${refusal.message}${detail}`, info, {
    cause: failure,
    ...(refusal.effect ? { effect: refusal.effect } : {}),
    ...(refusal.retryAfterS !== undefined ? { retryAfterS: refusal.retryAfterS } : {}),
  });
}

function retryOrGiveUp(failure: GraphFailure, attempt: number, reason: string, waitMs: number): GraphVerdict {
  if (attempt < MAX_GRAPH_ATTEMPTS) return { kind: 'retry', waitMs, reason };
  return { kind: 'fail', error: unavailable(failure, reason, waitMs) };
}

function unavailable(failure: GraphFailure, reason: string, waitMs: number): GraphApiError {
  const limited = failure.info.code !== undefined && failure.info.code in BACKOFFS && ![1, 2, 131000, 131016].includes(failure.info.code);
  return new GraphApiError(503, limited ? 'whatsapp_rate_limited' : 'whatsapp_unavailable', `${reason}; try again later`, failure.info, { retryAfterS: Math.max(1, waitMs / 1000), cause: failure });
}

/** Our code for an error Meta reports in a status webhook (a failed message), for consumers of the events. */
export function ionfluxCodeOf(graphCode: unknown): string {
  const code = typeof graphCode === 'number' ? graphCode : Number(graphCode);
  return REFUSALS[code]?.code ?? (code in BACKOFFS ? 'whatsapp_rate_limited' : 'whatsapp_delivery_failed');
}

export interface RetryOptions {
  deadline: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of every retry (logs, metrics, the benchmark's count of 130429 answers). */
  onRetry?: (failure: GraphFailure, waitMs: number, attempt: number) => void;
}

/**
 * Runs `attempt(n)` until it succeeds, a failure is final, or the next wait would pass the deadline
 * (then 503 with Retry-After). Errors other than GraphFailure pass through untouched.
 */
export async function withGraphRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof GraphFailure)) throw error;
      const failure = error;
      const verdict = judgeGraphFailure(failure, n);
      if (verdict.kind === 'fail') throw verdict.error;
      if (Date.now() + verdict.waitMs >= options.deadline) throw unavailable(failure, verdict.reason, verdict.waitMs);
      options.onRetry?.(failure, verdict.waitMs, n);
      await (options.sleep ?? defaultSleep)(verdict.waitMs);
    }
  }
}

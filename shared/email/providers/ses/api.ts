/**
 * What SES (v1 API: SendRawEmail, GetSendQuota) answers, described once: which error codes mean what
 * for the dispatcher. Codes are the Query API's `<Code>` (the SDK's exception `name`).
 */
import type { FailureKind } from '../../transport';

/** Content or configuration errors of this message: another provider would refuse it too. */
const REJECTED = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'MailFromDomainNotVerified',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'ValidationError',
  'MalformedQueryString',
]);

/** The account cannot send now: retrying it does not help; another provider may. */
const PAUSED = new Set([
  'AccountSendingPausedException',
  'ConfigurationSetSendingPausedException',
  'ConfigurationSetDoesNotExistException',
  'ConfigurationSetDoesNotExist',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'OptInRequired',
]);

const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

/** A daily quota runs out until the 24-hour window moves on: no point in retrying soon. */
export const isDailyQuota = (message: string): boolean => /daily message quota/i.test(message);

export function classifySesError(code: string, status: number | undefined, message: string): FailureKind {
  if (THROTTLED.has(code)) return isDailyQuota(message) ? 'paused' : 'throttled';
  if (PAUSED.has(code)) return 'paused';
  if (REJECTED.has(code)) return 'rejected';
  if (status !== undefined && status >= 500) return 'unavailable';
  if (status === 403) return 'paused';
  // Any other 4xx is about this request.
  if (status !== undefined && status >= 400) return 'rejected';
  return 'unavailable';
}

/** SES message tags accept only these characters, in names and values. */
export const SES_TAG = /^[A-Za-z0-9_-]{1,256}$/;

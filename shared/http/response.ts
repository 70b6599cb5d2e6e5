import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { IonfluxError, retryAfter } from '../errors';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const redirect = (location: string, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode: 302,
  headers: { location, 'cache-control': 'no-store', ...headers },
  body: '',
});

export const text = (statusCode: number, body: string, contentType = 'text/plain; charset=utf-8'): HttpResponse => ({
  statusCode,
  headers: { 'content-type': contentType },
  body,
});

export interface ErrorBody {
  error: { code: string; message: string; request_id: string; details?: Record<string, unknown> };
}

/**
 * Who may read an error in full. `internal`: a caller API Gateway authorised (IAM), an operator or a
 * platform service: our errors say everything, secret names and CLI hints included. `public`: anyone on
 * the internet (webhooks, OAuth redirects): errors about the request itself (4xx) as raised, and for
 * our own failures (5xx) only the status, a generic code and the request id — the detail stays in the logs.
 */
export type Exposure = 'internal' | 'public';

/** What a public caller learns of a failure on our side, by status. */
const PUBLIC_FAILURES: Record<number, { code: string; message: string }> = {
  502: { code: 'upstream_error', message: 'an upstream service failed; retry later' },
  503: { code: 'temporarily_unavailable', message: 'temporarily unavailable; retry later' },
  504: { code: 'timeout', message: 'the request took too long; retry later' },
};
const PUBLIC_INTERNAL_ERROR = { code: 'internal_error', message: 'internal error; see the logs for this request_id' };

/** What an error says to a caller: status, code, message, details and headers (Retry-After…). */
export interface ErrorView {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  headers: Record<string, string>;
}

/**
 * Errors we raised on purpose say what is wrong (to whom, see Exposure); anything else is a 500 whose
 * detail stays in the logs. The default exposure is the safe one.
 */
export function errorView(error: unknown, exposure: Exposure = 'public'): ErrorView {
  if (!(error instanceof IonfluxError)) return { status: 500, ...PUBLIC_INTERNAL_ERROR, headers: {} };
  // A 503 always says when to come back, whichever module raised it.
  const headers = error.status === 503 && !error.headers?.['retry-after'] ? { ...retryAfter(), ...error.headers } : (error.headers ?? {});
  if (exposure === 'public' && error.status >= 500 && !error.publicSafe) {
    const wait = headers['retry-after'];
    return { status: error.status, ...(PUBLIC_FAILURES[error.status] ?? PUBLIC_INTERNAL_ERROR), headers: wait ? { 'retry-after': wait } : {} };
  }
  return { status: error.status, code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}), headers };
}

/** The one error body of every HTTP endpoint: `{ "error": { code, message, request_id, details? } }`. */
export function errorResponse(error: unknown, requestId: string, exposure: Exposure = 'public'): HttpResponse {
  const view = errorView(error, exposure);
  const body: ErrorBody = { error: { code: view.code, message: view.message, request_id: requestId } };
  if (view.details) body.error.details = view.details;
  return json(view.status, body, view.headers);
}

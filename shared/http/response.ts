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
 * The one error body of every HTTP endpoint: `{ "error": { code, message, request_id, details? } }`.
 * Errors we raised on purpose say what is wrong; anything else is a 500 whose detail stays in the logs.
 */
export function errorResponse(error: unknown, requestId: string): HttpResponse {
  if (error instanceof IonfluxError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, request_id: requestId } };
    if (error.details) body.error.details = error.details;
    // A 503 always says when to come back, whichever module raised it.
    const headers = error.status === 503 && !error.headers?.['retry-after'] ? { ...retryAfter(), ...error.headers } : (error.headers ?? {});
    return json(error.status, body, headers);
  }
  const body: ErrorBody = { error: { code: 'internal_error', message: 'internal error; see the logs for this request_id', request_id: requestId } };
  return json(500, body);
}

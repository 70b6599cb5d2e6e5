/**
 * `httpHandler(fn)`: the Middy stack every HTTP Lambda shares. The domain function receives an
 * HttpRequest (raw body, lower-cased headers, deadline) and returns a response; errors become the
 * shared JSON error body. Handlers stay thin: parse → call a domain service → respond.
 *
 * The function runs in a deadline scope (shared/timing.ts) ending at `request.deadline`: every AWS call it
 * makes is aborted then, and if it has still not answered shortly after, the caller gets 503
 * `deadline_exceeded` with Retry-After — always before Lambda's own timeout — and the logs say why.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { logContext } from '../observability/log-context';
import { withinDeadline } from '../timing';
import { accessLog, bodySizeLimit, errorResponses } from './middlewares';
import { type HttpRequest, toHttpRequest } from './request';
import type { HttpResponse } from './response';

/** Lambda's synchronous invoke payload limit: the effective ceiling of a body behind API Gateway. */
export const LAMBDA_MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface HttpHandlerOptions {
  /** Bodies above this get 413 before the handler runs (default 6 MB). */
  maxBodyBytes?: number;
  /**
   * Answer within this many ms whatever the Lambda's remaining time (webhooks: the provider gives up after a
   * few seconds). `request.deadline` and the deadline scope end then; the backstop's 503 names `what`.
   */
  answerWithin?: { ms: number; what: string };
}

export type HttpFunction = (request: HttpRequest, context: Context) => Promise<HttpResponse>;

export function httpHandler(fn: HttpFunction, options: HttpHandlerOptions = {}) {
  const { answerWithin } = options;
  // Later middlewares' onError run first: errorResponses is registered last so it shapes the response,
  // then accessLog records the final status.
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(logContext())
    .use(accessLog())
    .use(bodySizeLimit({ maxBytes: options.maxBodyBytes ?? LAMBDA_MAX_BODY_BYTES }))
    .use(errorResponses())
    .handler((event, context) => {
      const request = toHttpRequest(event, context, answerWithin?.ms);
      return withinDeadline(request.deadline, () => fn(request, context), { what: answerWithin?.what ?? 'the request' });
    });
}

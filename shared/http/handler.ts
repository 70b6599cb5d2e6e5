/**
 * `httpHandler(fn)`: the Middy stack every HTTP Lambda shares. The domain function receives an
 * HttpRequest (raw body, lower-cased headers, deadline) and returns a response; errors become the
 * shared JSON error body. Handlers stay thin: parse → call a domain service → respond.
 *
 * The function runs in a deadline scope (shared/timing.ts) ending at `request.deadline`: every AWS call it
 * makes is aborted then, and if it has still not answered shortly after, the caller gets 503
 * `deadline_exceeded` with Retry-After — always before Lambda's own timeout — and the logs say why.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { logger } from '../observability/logger';
import { withinDeadline } from '../timing';
import { accessLog, bodySizeLimit, errorResponses } from './middlewares';
import { type HttpRequest, toHttpRequest } from './request';
import type { HttpResponse } from './response';

/** Lambda's synchronous invoke payload limit: the effective ceiling of a body behind API Gateway. */
export const LAMBDA_MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface HttpHandlerOptions {
  /** Bodies above this get 413 before the handler runs (default 6 MB). */
  maxBodyBytes?: number;
}

export type HttpFunction = (request: HttpRequest, context: Context) => Promise<HttpResponse>;

export function httpHandler(fn: HttpFunction, options: HttpHandlerOptions = {}) {
  // Later middlewares' onError run first: errorResponses is registered last so it shapes the response,
  // then accessLog records the final status.
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(accessLog())
    .use(bodySizeLimit({ maxBytes: options.maxBodyBytes ?? LAMBDA_MAX_BODY_BYTES }))
    .use(errorResponses())
    .handler(async (event, context) => {
      const request = toHttpRequest(event, context);
      return withinDeadline(request.deadline, () => fn(request, context));
    });
}

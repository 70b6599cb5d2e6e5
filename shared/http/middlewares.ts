/**
 * Small Middy middlewares for every HTTP function (payload 2.0). Options are validated when the handler
 * is built, not on the first request. None does I/O, so none is async: Middy awaits only what returns
 * a promise, and a request saves a promise and a microtask per hook.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { moduleLogger } from '../observability/logger';
import { payloadTooLarge } from './errors';
import { exposureOf } from './request';
import { errorResponse, type HttpResponse } from './response';

type HttpMiddleware = MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, Context>;

const log = moduleLogger('http');

const requestIdOf = (event: APIGatewayProxyEventV2, context: Context) => event.requestContext?.requestId ?? context.awsRequestId;

/**
 * Any error becomes the shared JSON error body, saying as much as the route's auth allows (public routes
 * never see secret names or configuration: Exposure); failures are logged with their cause.
 */
export function errorResponses(): HttpMiddleware {
  return {
    onError: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      const response = errorResponse(request.error, requestId, exposureOf(request.event));
      if (response.statusCode >= 500) {
        log.error('request failed', { error: request.error as Error, request_id: requestId, route: request.event.routeKey });
      } else {
        log.info('request refused', {
          status: response.statusCode,
          code: (request.error as { code?: string }).code,
          request_id: requestId,
          route: request.event.routeKey,
        });
      }
      request.response = response;
    },
  };
}

/** Bytes a base64 string decodes to, padding counted out (API Gateway pads; no decoding needed). */
const base64DecodedBytes = (body: string): number => {
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  return Math.floor((body.length * 3) / 4) - padding;
};

/** 413 before any work when the (decoded) body exceeds `maxBytes`. */
export function bodySizeLimit(options: { maxBytes: number }): HttpMiddleware {
  if (!Number.isInteger(options.maxBytes) || options.maxBytes <= 0) {
    throw new Error(`bodySizeLimit: maxBytes must be a positive integer (got ${options.maxBytes})`, { cause: { package: 'ionflux/http' } });
  }
  return {
    before: (request) => {
      const body = request.event.body;
      if (!body) return;
      // n UTF-16 units are at most 3n UTF-8 bytes: only a text body that could be too large is measured.
      if (!request.event.isBase64Encoded && body.length * 3 <= options.maxBytes) return;
      const size = request.event.isBase64Encoded ? base64DecodedBytes(body) : Buffer.byteLength(body, 'utf8');
      if (size > options.maxBytes) throw payloadTooLarge(options.maxBytes, size);
    },
  };
}

/** One access-log line per request: route, status, duration. */
export function accessLog(): HttpMiddleware {
  const started = new WeakMap<object, number>();
  const record = (request: { event: APIGatewayProxyEventV2; context: Context; response?: HttpResponse | null | undefined }) => {
    log.info('http', {
      route: request.event.routeKey,
      status: request.response?.statusCode,
      duration_ms: Date.now() - (started.get(request.event) ?? Date.now()),
      request_id: requestIdOf(request.event, request.context),
    });
  };
  return {
    before: (request) => {
      started.set(request.event, Date.now());
    },
    after: (request) => record(request),
    onError: (request) => record(request),
  };
}

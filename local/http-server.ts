/**
 * The local HTTP API: every `http` entry of the manifest on http://127.0.0.1:<port>, invoked in process
 * with real API Gateway HTTP API (payload 2.0) events. Internal (`iam`) routes require
 * `Authorization: Bearer <token>`; `GET /health` answers 200.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionSpec } from '../functions/manifest-types';
import { buildHttpApiEvent, toHttpResult } from './api-gateway-event';
import type { HandlerLoader } from './handlers';
import { lambdaContext } from './lambda-context';
import { decodeParams, findRoute, httpRoutes } from './routes';

/** API Gateway HTTP API's payload limit. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface LocalHttpServerOptions {
  port: number;
  host?: string;
  internalToken: string;
  functions: readonly FunctionSpec[];
  loadHandler: HandlerLoader;
  health?: () => Record<string, unknown>;
  /** Paths served outside the manifest (the local stand-in for S3 URLs): true when it answered. */
  serveFiles?: (method: string, url: URL, res: http.ServerResponse) => Promise<boolean>;
  onInvoke?: (info: { id: string; routeKey: string; status: number; durationMs: number }) => void;
}

export interface LocalHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

/** The runtime's own answers (no function ran) in the shared error body, like every function's. */
const refuse = (res: http.ServerResponse, requestId: string, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  send(res, status, { error: { code, message, request_id: requestId } }, headers);

function tokenMatches(header: string | undefined, token: string): 'missing' | 'wrong' | 'ok' {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return 'missing';
  const given = Buffer.from(match[1]!.trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'wrong';
}

export async function startLocalHttpServer(options: LocalHttpServerOptions): Promise<LocalHttpServer> {
  const routes = httpRoutes(options.functions);
  const server = http.createServer(async (req, res) => {
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      if (method === 'GET' && url.pathname === '/health') {
        send(res, 200, { status: 'ok', ...(options.health?.() ?? {}) });
        return;
      }
      if (options.serveFiles && (await options.serveFiles(method, url, res))) return;
      const found = findRoute(routes, method, url.pathname);
      if (!found) return refuse(res, requestId, 404, 'not_found', `no route for ${method} ${url.pathname}`);
      if ('allowed' in found) return refuse(res, requestId, 405, 'method_not_allowed', `${url.pathname} accepts ${found.allowed.join(', ')}`, { allow: found.allowed.join(', ') });
      const { route } = found;

      if (route.spec.trigger.http.auth === 'iam') {
        const check = tokenMatches(req.headers.authorization, options.internalToken);
        if (check !== 'ok') {
          return check === 'missing'
            ? refuse(res, requestId, 401, 'unauthorized', 'internal route: send Authorization: Bearer <token> (the token npm run dev printed, or IONFLUX_INTERNAL_TOKEN)')
            : refuse(res, requestId, 403, 'forbidden', 'internal route: the bearer token is not the local runtime’s token');
        }
      }
      const params = decodeParams(found.params);
      if (!params) return refuse(res, requestId, 400, 'invalid_path', 'a path parameter is not valid percent-encoding');

      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_REQUEST_BYTES) return refuse(res, requestId, 413, 'payload_too_large', `request body is over ${MAX_REQUEST_BYTES} bytes (API Gateway's limit)`);
        chunks.push(chunk as Buffer);
      }
      const event = buildHttpApiEvent({
        method,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers: req.headers,
        body: Buffer.concat(chunks),
        routeKey: route.routeKey,
        pathParameters: params,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        requestId,
        ...(route.spec.trigger.http.auth === 'iam' ? { iamCaller: { userArn: 'arn:aws:iam::000000000000:user/ionflux-local', accountId: '000000000000' } } : {}),
      });
      const started = Date.now();
      const handler = await options.loadHandler(route.spec);
      const context = lambdaContext(route.spec.id, route.spec.timeoutS, route.spec.memoryMb);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), route.spec.timeoutS * 1000)));
      const outcome = await Promise.race([handler(event, context), timedOut]).finally(() => clearTimeout(timer));
      if (outcome === 'timeout') {
        refuse(res, requestId, 503, 'function_timeout', `${route.spec.id} did not answer within its ${route.spec.timeoutS} s timeout`);
        options.onInvoke?.({ id: route.spec.id, routeKey: route.routeKey, status: 503, durationMs: Date.now() - started });
        return;
      }
      const result = toHttpResult(outcome as Parameters<typeof toHttpResult>[0]);
      res.writeHead(result.statusCode, result.headers).end(result.body);
      options.onInvoke?.({ id: route.spec.id, routeKey: route.routeKey, status: result.statusCode, durationMs: Date.now() - started });
    } catch (error) {
      // An exception escaping the handler is what API Gateway reports as a bare 500. The URL is an argument,
      // never part of the format string: a "%s" or "%o" in it must not swallow the exception.
      console.error('local runtime: %s %s failed (request %s):', req.method, req.url, requestId, error);
      if (!res.headersSent) refuse(res, requestId, 500, 'internal_error', 'the function failed; see the local runtime’s output for this request_id');
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

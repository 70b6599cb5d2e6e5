/**
 * Real API Gateway HTTP API (payload format 2.0) events for in-process invocations, and the reverse:
 * turning a handler's result into the HTTP response API Gateway would send.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

export interface HttpApiRequest {
  method: string;
  /** Path as received, without the query string. */
  rawPath: string;
  rawQueryString?: string;
  /** Header names in any case; repeated headers joined with commas, as API Gateway does. */
  headers?: Record<string, string | string[] | undefined>;
  body?: Buffer | string;
  routeKey: string;
  pathParameters?: Record<string, string>;
  sourceIp?: string;
  requestId?: string;
  /** The IAM caller, as API Gateway fills it in for IAM-authorised routes. */
  iamCaller?: { userArn: string; accountId: string };
}

/** Content types API Gateway passes as text; anything else arrives base64-encoded. */
const TEXTUAL = /^(text\/|application\/(json|[\w.+-]+\+json|x-www-form-urlencoded|xml|[\w.+-]+\+xml|javascript))/i;

export function buildHttpApiEvent(request: HttpApiRequest): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      cookies = (Array.isArray(value) ? value.join('; ') : value).split(/;\s*/).filter(Boolean);
      continue;
    }
    headers[lower] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  const rawQueryString = request.rawQueryString ?? '';
  for (const [key, value] of new URLSearchParams(rawQueryString)) query[key] = key in query ? `${query[key]},${value}` : value;
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const textual = TEXTUAL.test(headers['content-type'] ?? '');
  const now = Date.now();
  const requestId = request.requestId ?? randomUUID();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: request.rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: request.method.toUpperCase(),
        path: request.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: request.routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: Boolean(body?.length) && !textual,
  };
  if (cookies?.length) event.cookies = cookies;
  if (Object.keys(query).length) event.queryStringParameters = query;
  if (request.pathParameters && Object.keys(request.pathParameters).length) event.pathParameters = request.pathParameters;
  if (body?.length) event.body = body.toString(textual ? 'utf8' : 'base64');
  if (request.iamCaller) {
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = {
      iam: { accessKey: 'LOCAL', accountId: request.iamCaller.accountId, callerId: 'local', principalOrgId: null, userArn: request.iamCaller.userArn, userId: 'local' },
    };
  }
  return event;
}

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** What API Gateway sends for a handler's result (payload 2.0 rules: a bare value means 200 JSON). */
export function toHttpResult(result: APIGatewayProxyResultV2 | undefined): HttpResult {
  if (result === undefined || result === null || typeof result === 'string' || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  return { statusCode: result.statusCode ?? 200, headers, body };
}

/**
 * The HTTP request as domain code sees it: raw body bytes (signatures are computed on them), lower-cased
 * headers, query and path parameters, a request id and a deadline. Built from an API Gateway HTTP API
 * (payload 2.0) event, in AWS and in the local runtime alike.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Exposure } from './response';

export interface HttpRequest {
  method: string;
  path: string;
  routeKey: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Every value of repeated query keys, in order (needed to verify signed query strings). */
  rawQuery: string;
  pathParams: Record<string, string>;
  rawBody: Buffer;
  requestId: string;
  sourceIp: string;
  /** Epoch ms by which the response must be on its way (the Lambda's remaining time minus a margin). */
  deadline: number;
  /** IAM caller ARN when API Gateway authorised the call with IAM. */
  callerArn?: string;
  /** `internal` when API Gateway authorised the caller (an `iam` route), else `public`: how much errors may say. */
  exposure: Exposure;
}

/**
 * Internal when API Gateway authorised the caller: it fills `requestContext.authorizer` only on routes with
 * an authorizer (`iam` in the manifest), never on `signature` or `public` ones, so the route's auth decides
 * and a caller cannot.
 */
export const exposureOf = (event: APIGatewayProxyEventV2): Exposure =>
  (event.requestContext as { authorizer?: { iam?: unknown } } | undefined)?.authorizer?.iam ? 'internal' : 'public';

/** Time kept back from the Lambda's remaining time to serialise and return the response. */
export const RESPONSE_MARGIN_MS = 250;

export function toHttpRequest(event: APIGatewayProxyEventV2, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) query[name] = value;
  const pathParams: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) if (value !== undefined) pathParams[name] = value;
  const rawBody = event.body === undefined || event.body === null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000;
  const authorizer = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer;
  const request: HttpRequest = {
    method: event.requestContext.http.method,
    path: event.rawPath,
    routeKey: event.routeKey,
    headers,
    query,
    rawQuery: event.rawQueryString ?? '',
    pathParams,
    rawBody,
    requestId: event.requestContext.requestId ?? context.awsRequestId,
    sourceIp: event.requestContext.http.sourceIp,
    deadline: Date.now() + Math.max(0, remaining - RESPONSE_MARGIN_MS),
    exposure: exposureOf(event),
  };
  if (authorizer?.iam?.userArn) request.callerArn = authorizer.iam.userArn;
  return request;
}

/** Invoking HTTP handlers in tests with real API Gateway payload 2.0 events. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildHttpApiEvent, type HttpApiRequest, toHttpResult } from '../../local/api-gateway-event';
import { lambdaContext } from '../../local/lambda-context';
import { findRoute, httpRoutes } from '../../local/routes';

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

export interface InvokeResult {
  status: number;
  headers: Record<string, string | string[]>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const routes = httpRoutes();

/** The event API Gateway would build: for a manifest route with `iam` auth, with the IAM caller it authorised. */
export async function invokeHttp(handler: Handler, request: Omit<HttpApiRequest, 'routeKey'> & { routeKey?: string }, timeoutS = 10): Promise<InvokeResult> {
  const found = findRoute(routes, request.method.toUpperCase(), request.rawPath);
  const iam = found && 'route' in found && found.route.spec.trigger.http.auth === 'iam';
  const event = buildHttpApiEvent({
    routeKey: request.routeKey ?? `${request.method} ${request.rawPath}`,
    ...(iam ? { iamCaller: { userArn: 'arn:aws:iam::000000000000:user/ionflux-test', accountId: '000000000000' } } : {}),
    ...request,
  });
  const result = toHttpResult((await handler(event, lambdaContext('test', timeoutS))) as Parameters<typeof toHttpResult>[0]);
  const text = result.body.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: result.statusCode, headers: result.headers, text, json };
}

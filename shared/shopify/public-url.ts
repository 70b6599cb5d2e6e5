/**
 * The public origin of our API, for the OAuth `redirect_uri` and the webhook address Shopify calls:
 * IONFLUX_PUBLIC_BASE_URL when set (a custom domain, a tunnel to `npm run dev`), otherwise the host the
 * request reached (API Gateway's own domain in AWS: always https). X-Forwarded-Host is never trusted.
 * A request without a usable Host header is the caller's mistake (400), not ours.
 */
import { badRequest } from '../http/errors';
import type { HttpRequest } from '../http/request';
import type { ShopifyConfig } from './config';

export function publicBaseUrl(config: Pick<ShopifyConfig, 'publicBaseUrl'>, request: Pick<HttpRequest, 'headers'>, localMode: boolean): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  const host = request.headers.host;
  if (!host || !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
    throw badRequest('invalid_host', 'the request has no valid Host header (a host name, optionally with a port)');
  }
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = localMode ? (forwarded === 'https' ? 'https' : 'http') : 'https';
  return `${proto}://${host}`;
}

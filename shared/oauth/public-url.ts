/**
 * The public origin of our API, for OAuth `redirect_uri`s and the webhook addresses providers call:
 * IONFLUX_PUBLIC_BASE_URL when set (a custom domain, a tunnel to `npm run dev`), otherwise the host the
 * request reached (API Gateway's own domain in AWS: always https). X-Forwarded-Host is never trusted.
 * A request without a usable Host header is the caller's mistake (400), not ours.
 */
import { badRequest } from '../http/errors';
import type { HttpRequest } from '../http/request';

export function publicBaseUrl(config: { publicBaseUrl?: string | undefined }, request: Pick<HttpRequest, 'headers'>, localMode: boolean): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  const host = request.headers.host;
  if (!host || !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
    throw badRequest('invalid_host', 'the request has no valid Host header (a host name, optionally with a port)');
  }
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = localMode ? (forwarded === 'https' ? 'https' : 'http') : 'https';
  return `${proto}://${host}`;
}

/**
 * The public origin of our API, for OAuth `redirect_uri`s and the webhook addresses providers call:
 * IONFLUX_PUBLIC_BASE_URL when set (a custom domain, a tunnel to `npm run dev`), otherwise the host the
 * request reached (API Gateway's own domain in AWS: always https). X-Forwarded-Host is never trusted.
 */
import { ConfigurationError } from '../errors';
import type { HttpRequest } from '../http/request';

export function publicBaseUrl(config: { publicBaseUrl?: string | undefined }, request: Pick<HttpRequest, 'headers'>, localMode: boolean): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  const host = request.headers.host;
  if (!host || !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
    throw new ConfigurationError('cannot tell our public address from this request; set IONFLUX_PUBLIC_BASE_URL', { code: 'public_base_url_unknown' });
  }
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = localMode ? (forwarded === 'https' ? 'https' : 'http') : 'https';
  return `${proto}://${host}`;
}

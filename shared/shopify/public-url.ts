/**
 * The public origin of our API, for the OAuth `redirect_uri` and the webhook address Shopify calls:
 * IONFLUX_PUBLIC_BASE_URL when set (a custom domain, a tunnel to `npm run dev`), otherwise the host the
 * request reached (API Gateway's own domain in AWS: always https). X-Forwarded-Host is never trusted.
 */
import { ConfigurationError } from '../errors';
import type { HttpRequest } from '../http/request';
import type { ShopifyConfig } from './config';

export function publicBaseUrl(config: Pick<ShopifyConfig, 'publicBaseUrl'>, request: Pick<HttpRequest, 'headers'>, localMode: boolean): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  const host = request.headers.host;
  if (!host || !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
    throw new ConfigurationError('cannot tell our public address from this request; set IONFLUX_PUBLIC_BASE_URL', { code: 'public_base_url_unknown' });
  }
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = localMode ? (forwarded === 'https' ? 'https' : 'http') : 'https';
  return `${proto}://${host}`;
}

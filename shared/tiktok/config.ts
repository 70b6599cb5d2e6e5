/**
 * TikTok settings. The app's own credentials and addresses come from its platform secret
 * `<root>/platform/tiktok` = `{"client_key", "client_secret", "base_url"?, "auth_url"?}` (appFromSecret);
 * the rest from the environment, parsed by the composition root (shared/runtime/tiktok-core.ts).
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | TIKTOK_SCOPES | `user.info.basic,user.info.profile,user.info.stats,video.list` | Scopes an install link asks for when it names none |
 * | TIKTOK_RESEARCH_DAILY_REQUESTS | `1000` | Research API requests per UTC day (TikTok's quota); past it, 429 with Retry-After |
 * | IONFLUX_PUBLIC_BASE_URL | the request's own host | Public https origin of our API (the OAuth redirect_uri) |
 * | TIKTOK_POST_INSTALL_REDIRECT_URL | — | Where the browser goes after a successful connection (else a page) |
 */
import { InvalidConfigError } from '../config/errors';
import { ConfigurationError } from '../errors';
import type { Credential } from '../secrets/secret-resolver';
import { DEFAULT_AUTH_URL, DEFAULT_BASE_URL, DEFAULT_SCOPES } from './api';

export interface TikTokConfig {
  scopes: string[];
  researchDailyRequests: number;
  publicBaseUrl?: string;
  postInstallRedirectUrl?: string;
}

/** The app registered in the TikTok developer portal. */
export interface TikTokApp {
  clientKey: string;
  clientSecret: string;
  /** Origin of the API (`https://open.tiktokapis.com`, or a fake). */
  baseUrl: string;
  /** The authorize page (`https://www.tiktok.com/v2/auth/authorize/`). */
  authUrl: string;
}

/** `user.info.basic`, `video.list`, `research.data.basic`… */
export const SCOPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An absolute https URL (plain http only to a loopback address), or undefined with the problem. */
function secureUrl(value: string): { url: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `must be an absolute URL (got "${value}")` };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return { problem: 'must be https (plain http only to a loopback address)' };
  return { url: value };
}

/** Trimmed and de-duplicated scopes, and the first one that is not a scope (if any). */
export function parseScopes(raw: readonly string[]): { scopes: string[]; invalid?: string } {
  const scopes = [...new Set(raw.map((s) => s.trim()).filter(Boolean))];
  const invalid = scopes.find((scope) => !SCOPE.test(scope));
  return invalid === undefined ? { scopes } : { scopes, invalid };
}

export function readTikTokConfig(env: NodeJS.ProcessEnv): TikTokConfig {
  const parsed = env.TIKTOK_SCOPES?.trim() ? parseScopes(env.TIKTOK_SCOPES.split(',')) : { scopes: [...DEFAULT_SCOPES] };
  if (parsed.invalid !== undefined) throw new InvalidConfigError('TIKTOK_SCOPES', `"${parsed.invalid}" is not a TikTok scope such as user.info.basic`);
  const { scopes } = parsed;
  if (!scopes.length) throw new InvalidConfigError('TIKTOK_SCOPES', 'names no scope');
  const quota = env.TIKTOK_RESEARCH_DAILY_REQUESTS?.trim() ? Number(env.TIKTOK_RESEARCH_DAILY_REQUESTS) : 1000;
  if (!Number.isInteger(quota) || quota < 1) throw new InvalidConfigError('TIKTOK_RESEARCH_DAILY_REQUESTS', `must be a positive integer (got "${env.TIKTOK_RESEARCH_DAILY_REQUESTS}")`);
  const config: TikTokConfig = { scopes, researchDailyRequests: quota };
  for (const [variable, key] of [
    ['IONFLUX_PUBLIC_BASE_URL', 'publicBaseUrl'],
    ['TIKTOK_POST_INSTALL_REDIRECT_URL', 'postInstallRedirectUrl'],
  ] as const) {
    const value = env[variable]?.trim();
    if (!value) continue;
    const checked = secureUrl(value);
    if ('problem' in checked) throw new InvalidConfigError(variable, checked.problem);
    config[key] = checked.url.replace(/\/+$/, '');
  }
  return config;
}

/** The app from its platform secret; a malformed `base_url`/`auth_url` is the operator's to fix (500, never shown on public pages). */
export function appFromSecret(credential: Credential): TikTokApp {
  const app: TikTokApp = {
    clientKey: credential.require('client_key'),
    clientSecret: credential.require('client_secret'),
    baseUrl: DEFAULT_BASE_URL,
    authUrl: DEFAULT_AUTH_URL,
  };
  for (const [field, key] of [
    ['base_url', 'baseUrl'],
    ['auth_url', 'authUrl'],
  ] as const) {
    const value = credential.get(field)?.trim();
    if (!value) continue;
    const checked = secureUrl(value);
    if ('problem' in checked) throw new ConfigurationError(`${credential.secretName}: "${field}" ${checked.problem}`, { code: 'secret_malformed', details: { secret: credential.secretName, field } });
    app[key] = field === 'base_url' ? checked.url.replace(/\/+$/, '') : checked.url;
  }
  return app;
}

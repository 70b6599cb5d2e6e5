/**
 * Email settings, parsed from an environment object by the composition root (shared/runtime/email.ts);
 * domain code receives the parsed value and never reads process.env.
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | IONFLUX_EMAIL_TRANSPORT | `ses` with AWS (Lambda, `AWS_ENDPOINT_URL`), else `embedded` | Primary transport: `ses`, `sendgrid` or `embedded` (`.eml` files under `IONFLUX_HOME/mail`) |
 * | IONFLUX_EMAIL_FAILOVER | `sendgrid` when a platform SendGrid key exists (and the primary is not SendGrid), else none | Where a retryable failure goes: `ses`, `sendgrid` or `none` |
 * | IONFLUX_SES_CONFIGURATION_SET | — (set by CDK) | Configuration set every SES message names (its events reach `webhook-ses-sns` through SNS) |
 * | IONFLUX_EMAIL_SES_RATE_SHARE | `1` | Share (0–1] of the account's MaxSendRate this layer may use (other senders on the account take the rest) |
 * | IONFLUX_EMAIL_QUOTA_REFRESH_SECONDS | `300` | How long GetSendQuota's MaxSendRate is reused before asking again |
 * | IONFLUX_EMAIL_CLAIM_LEASE_SECONDS | `120` | How long a worker owns a recipient it is sending to; past it, the send is in doubt |
 * | IONFLUX_EMAIL_CONFIRM_GRACE_SECONDS | `600` | How long an in-doubt send waits for the provider's own report before it is sent again |
 * | IONFLUX_EMAIL_MAX_ATTEMPTS | `5` | Attempts per bulk recipient before it counts as failed |
 * | IONFLUX_PUBLIC_BASE_URL | the request's own host | Public origin of the unsubscribe links (`<origin>/email/unsubscribe?token=…`) |
 */
import { InvalidConfigError } from '../config/errors';

export const TRANSPORTS = ['ses', 'sendgrid', 'embedded'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export interface EmailConfig {
  transport: TransportName;
  /** `auto`: SendGrid when the platform SendGrid secret holds an api_key and the primary is not SendGrid. */
  failover: Exclude<TransportName, 'embedded'> | 'none' | 'auto';
  sesConfigurationSet?: string;
  sesRateShare: number;
  quotaRefreshMs: number;
  claimLeaseMs: number;
  confirmGraceMs: number;
  maxAttempts: number;
  publicBaseUrl?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, check: (n: number) => boolean, rule: string): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new InvalidConfigError(name, `must be ${rule} (got "${raw}")`);
  return value;
}

export function readEmailConfig(env: NodeJS.ProcessEnv, defaults: { awsEnabled: boolean }): EmailConfig {
  const transport = (env.IONFLUX_EMAIL_TRANSPORT?.trim() || (defaults.awsEnabled ? 'ses' : 'embedded')) as TransportName;
  if (!TRANSPORTS.includes(transport)) throw new InvalidConfigError('IONFLUX_EMAIL_TRANSPORT', `must be one of ${TRANSPORTS.join(', ')} (got "${transport}")`);
  const failover = (env.IONFLUX_EMAIL_FAILOVER?.trim() || 'auto') as EmailConfig['failover'];
  if (!['ses', 'sendgrid', 'none', 'auto'].includes(failover)) throw new InvalidConfigError('IONFLUX_EMAIL_FAILOVER', `must be ses, sendgrid or none (got "${failover}")`);
  if (failover === transport) throw new InvalidConfigError('IONFLUX_EMAIL_FAILOVER', `must differ from IONFLUX_EMAIL_TRANSPORT (both are "${transport}")`);
  const configurationSet = env.IONFLUX_SES_CONFIGURATION_SET?.trim();
  if (configurationSet && !/^[A-Za-z0-9_-]{1,64}$/.test(configurationSet)) {
    throw new InvalidConfigError('IONFLUX_SES_CONFIGURATION_SET', 'must be 1–64 letters, digits, "_" or "-"');
  }
  const config: EmailConfig = {
    transport,
    failover,
    sesRateShare: number(env, 'IONFLUX_EMAIL_SES_RATE_SHARE', 1, (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    quotaRefreshMs: number(env, 'IONFLUX_EMAIL_QUOTA_REFRESH_SECONDS', 300, (n) => n >= 0, 'a number of seconds ≥ 0') * 1000,
    claimLeaseMs: number(env, 'IONFLUX_EMAIL_CLAIM_LEASE_SECONDS', 120, (n) => n > 0, 'a number of seconds > 0') * 1000,
    confirmGraceMs: number(env, 'IONFLUX_EMAIL_CONFIRM_GRACE_SECONDS', 600, (n) => n >= 0, 'a number of seconds ≥ 0') * 1000,
    maxAttempts: number(env, 'IONFLUX_EMAIL_MAX_ATTEMPTS', 5, (n) => Number.isInteger(n) && n >= 1 && n <= 50, 'an integer from 1 to 50'),
  };
  if (configurationSet) config.sesConfigurationSet = configurationSet;
  const base = env.IONFLUX_PUBLIC_BASE_URL?.trim();
  if (base) {
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new InvalidConfigError('IONFLUX_PUBLIC_BASE_URL', `must be an absolute URL (got "${base}")`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new InvalidConfigError('IONFLUX_PUBLIC_BASE_URL', 'must be https (plain http only to a loopback address)');
    }
    config.publicBaseUrl = base.replace(/\/+$/, '');
  }
  return config;
}

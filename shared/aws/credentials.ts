/**
 * Where the lean AWS client gets its credentials. In Lambda (and in tests against moto) they are in the
 * environment, so nothing is loaded. Elsewhere (an operator's CLI with a profile or SSO) the SDK's
 * default provider chain is loaded on first use — only then — and its temporary credentials are
 * refreshed before they expire.
 */
import { AwsCredentialsError } from './errors';
import type { AwsCredentials } from './sigv4';

export type CredentialSource = {
  /** Current credentials; cached, refreshed ahead of their expiry. */
  get(): Promise<AwsCredentials>;
  /** Drops the cache (after an expired-token error). */
  invalidate(): void;
};

const REFRESH_BEFORE_MS = 5 * 60_000;

export function staticCredentials(credentials: AwsCredentials): CredentialSource {
  return { get: async () => credentials, invalidate: () => undefined };
}

/** Credentials from a provider function, cached until shortly before they expire; one lookup at a time. */
export function cachedCredentials(provide: () => Promise<AwsCredentials>, clock: () => number = Date.now): CredentialSource {
  let current: Promise<AwsCredentials> | undefined;
  const get = (): Promise<AwsCredentials> => {
    if (current) {
      // A settled, still-fresh value is reused; an expiring one is looked up again.
      const pending = current;
      return pending.then((c) => {
        if (!c.expiration || c.expiration.getTime() - REFRESH_BEFORE_MS > clock()) return c;
        if (current === pending) current = undefined;
        return get();
      });
    }
    const lookup = provide();
    current = lookup;
    lookup.catch(() => {
      if (current === lookup) current = undefined;
    });
    return lookup;
  };
  return {
    get,
    invalidate() {
      current = undefined;
    },
  };
}

/** The SDK's chain (profiles, SSO, web identity, container/instance roles), loaded only when needed. */
async function sdkProviderChain(): Promise<AwsCredentials> {
  let provider: () => Promise<AwsCredentials>;
  try {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    provider = defaultProvider() as () => Promise<AwsCredentials>;
  } catch (error) {
    throw new AwsCredentialsError('the AWS SDK credential chain could not be loaded', error);
  }
  try {
    return await provider();
  } catch (error) {
    throw new AwsCredentialsError(
      'no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where a role is available)',
      error,
    );
  }
}

/**
 * Environment keys when present (Lambda always sets them); dummy keys for an emulator endpoint when no
 * profile is chosen (moto accepts any); otherwise the SDK chain.
 */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv, options: { emulator: boolean }): CredentialSource {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return staticCredentials({
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    });
  }
  if (options.emulator && !env.AWS_PROFILE) return staticCredentials({ accessKeyId: 'test', secretAccessKey: 'test' });
  return cachedCredentials(sdkProviderChain);
}

/**
 * The SASL/OAUTHBEARER token of MSK IAM authentication: a presigned `kafka-cluster:Connect` URL for
 * `kafka.<region>.amazonaws.com`, base64url-encoded — what aws-msk-iam-sasl-signer-js produces
 * (test/unit/msk-iam-auth.test.ts checks ours against it byte for byte). Signed with our SigV4 and the
 * environment's credentials: the package loads the SDK's STS client and credential chain on the first
 * connection of every cold start, which this avoids.
 */
import type { CredentialSource } from '../aws/credentials';
import { type AwsCredentials, presignUrl } from '../aws/sigv4';

/** MSK's limit for the token's lifetime. */
const MAX_EXPIRY_SECONDS = 900;
const USER_AGENT = 'ionflux-integration-layer';

export function mskIamToken(region: string, credentials: AwsCredentials, options: { date?: Date; userAgent?: string } = {}): { token: string; expiresAt: number } {
  const date = options.date ?? new Date();
  const left = credentials.expiration ? (credentials.expiration.getTime() - date.getTime()) / 1000 : MAX_EXPIRY_SECONDS;
  const expiresSeconds = Math.max(1, Math.min(MAX_EXPIRY_SECONDS, Math.floor(left)));
  const url = presignUrl(
    { host: `kafka.${region}.amazonaws.com`, path: '/', query: { Action: 'kafka-cluster:Connect' }, unsignedQuery: { 'User-Agent': options.userAgent ?? USER_AGENT } },
    credentials,
    { region, service: 'kafka-cluster' },
    { date, expiresSeconds },
  );
  return { token: Buffer.from(url, 'utf8').toString('base64url'), expiresAt: date.getTime() + expiresSeconds * 1000 };
}

/** The kafkajs `oauthBearerProvider`: a fresh token per (re)authentication. */
export function mskOauthBearerProvider(region: string, credentials: CredentialSource): () => Promise<{ value: string }> {
  return async () => ({ value: mskIamToken(region, await credentials.get()).token });
}

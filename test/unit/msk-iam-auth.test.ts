/**
 * MSK IAM: SASL OAUTHBEARER over TLS with a presigned kafka-cluster:Connect token. Ours is checked byte
 * for byte against aws-msk-iam-sasl-signer-js, the AWS library it replaces in the functions.
 */
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { iamAuth } from '../../shared/events/kafka-client';
import { mskIamToken } from '../../shared/events/msk-iam-token';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = new Date('2026-11-25T09:30:00Z');
const LIBRARY_AGENT = `aws-msk-iam-sasl-signer-js/${require('aws-msk-iam-sasl-signer-js/package.json').version as string}`;

async function libraryToken(region: string, credentials: typeof KEYS & { sessionToken?: string; expiration?: Date }): Promise<string> {
  jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  try {
    return (await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: async () => credentials })).token;
  } finally {
    jest.useRealTimers();
  }
}

describe('MSK IAM authentication', () => {
  it('turns on TLS and OAUTHBEARER, with a signed kafka-cluster:Connect token', async () => {
    const auth = iamAuth('eu-west-1', { AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    expect(auth.ssl).toBe(true);
    const sasl = auth.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe('oauthbearer');
    const { value } = await sasl.oauthBearerProvider();
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(url.hostname).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('produces exactly the token of aws-msk-iam-sasl-signer-js, with long-lived keys', async () => {
    const ours = mskIamToken('eu-west-1', KEYS, { date: NOW, userAgent: LIBRARY_AGENT }).token;
    expect(ours).toBe(await libraryToken('eu-west-1', KEYS));
  });

  it('produces exactly the token of aws-msk-iam-sasl-signer-js, with a session token (Lambda credentials)', async () => {
    const credentials = { ...KEYS, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//session+token/with=symbols' };
    const ours = mskIamToken('us-east-1', credentials, { date: NOW, userAgent: LIBRARY_AGENT });
    expect(ours.token).toBe(await libraryToken('us-east-1', credentials));
    expect(ours.expiresAt).toBe(NOW.getTime() + 900_000);
  });

  it('never outlives the credentials it was signed with', () => {
    const expiration = new Date(NOW.getTime() + 120_000);
    const { token, expiresAt } = mskIamToken('us-east-1', { ...KEYS, sessionToken: 't', expiration }, { date: NOW });
    expect(new URL(Buffer.from(token, 'base64url').toString('utf8')).searchParams.get('X-Amz-Expires')).toBe('120');
    expect(expiresAt).toBe(expiration.getTime());
  });

  it('a different secret gives a different signature (the comparison can fail)', () => {
    const a = mskIamToken('us-east-1', KEYS, { date: NOW }).token;
    const b = mskIamToken('us-east-1', { ...KEYS, secretAccessKey: 'other' }, { date: NOW }).token;
    expect(a).not.toBe(b);
  });
});

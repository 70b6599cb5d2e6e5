/**
 * MSK IAM: SASL OAUTHBEARER over TLS with the token of AWS's aws-msk-iam-sasl-signer-js — a presigned
 * kafka-cluster:Connect URL for the function's region, signed with the function's credentials (the SDK's
 * default chain: the environment's keys and session token in Lambda), never outliving them.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { iamAuth } from '../../shared/events/kafka-client';
import { mskOauthBearerProvider } from '../../shared/events/msk-iam-token';
import { NodeSha256 } from '../support/sha256';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const decode = (token: string) => new URL(Buffer.from(token, 'base64url').toString('utf8'));

/** Recomputes the presigned URL's signature with the SDK's signer: what MSK checks. */
async function signatureHolds(url: URL, credentials: typeof KEYS & { sessionToken?: string }, region: string): Promise<boolean> {
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ credentials, region, service: 'kafka-cluster', sha256: NodeSha256 as never, applyChecksum: false });
  const presigned = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname: url.hostname, path: '/', headers: { host: url.hostname }, query: { Action: 'kafka-cluster:Connect' } },
    { signingDate, expiresIn: Number(url.searchParams.get('X-Amz-Expires')) },
  );
  return presigned.query?.['X-Amz-Signature'] === url.searchParams.get('X-Amz-Signature');
}

describe('MSK IAM authentication', () => {
  it('turns on TLS and OAUTHBEARER, with a kafka-cluster:Connect token signed by the environment credentials (as Lambda sets them)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey, AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEXAMPLE//session+token' });
    try {
      const auth = iamAuth('eu-west-1');
      expect(auth.ssl).toBe(true);
      const sasl = auth.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
      expect(sasl.mechanism).toBe('oauthbearer');
      const url = decode((await sasl.oauthBearerProvider()).value);
      expect(url.hostname).toBe('kafka.eu-west-1.amazonaws.com');
      expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
      expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
      expect(url.searchParams.get('X-Amz-Security-Token')).toBe('IQoJb3JpZ2luX2VjEXAMPLE//session+token');
      expect(url.searchParams.get('User-Agent')).toMatch(/^aws-msk-iam-sasl-signer-js\//);
      expect(await signatureHolds(url, { ...KEYS, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//session+token' }, 'eu-west-1')).toBe(true);
    } finally {
      process.env = saved;
    }
  });

  it('a token signed with other keys does not verify (the check can fail)', async () => {
    const url = decode((await mskOauthBearerProvider('us-east-1', async () => KEYS)()).value);
    expect(await signatureHolds(url, KEYS, 'us-east-1')).toBe(true);
    expect(await signatureHolds(url, { ...KEYS, secretAccessKey: 'other' }, 'us-east-1')).toBe(false);
  });

  it('never outlives the credentials it was signed with, and asks for them again on every (re)authentication', async () => {
    let lookups = 0;
    const provider = mskOauthBearerProvider('us-east-1', async () => {
      lookups++;
      return { ...KEYS, sessionToken: 't', expiration: new Date(Date.now() + 120_000) };
    });
    const url = decode((await provider()).value);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeGreaterThan(100);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(120);
    await provider();
    expect(lookups).toBe(2);
  });
});

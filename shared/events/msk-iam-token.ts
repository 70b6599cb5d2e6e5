/**
 * The SASL/OAUTHBEARER token of MSK IAM authentication, from AWS's own signer
 * (`aws-msk-iam-sasl-signer-js`: a presigned `kafka-cluster:Connect` URL, base64url-encoded) with the SDK's
 * default credential chain (the environment's keys in Lambda; profiles, SSO or roles elsewhere). The signer
 * is loaded on the first connection, not at cold start: a function that never opens Kafka never loads it.
 */
type Signer = typeof import('aws-msk-iam-sasl-signer-js');
/** The SDK's credential provider shape, as the signer takes it. */
export type AwsCredentialIdentityProvider = Parameters<Signer['generateAuthTokenFromCredentialsProvider']>[0]['awsCredentialsProvider'];
let signer: Promise<Signer> | undefined;
const loadSigner = () => (signer ??= import('aws-msk-iam-sasl-signer-js'));

/** The SDK's default chain, memoised (refreshed before temporary credentials expire); loaded on first use. */
async function defaultCredentials(): Promise<AwsCredentialIdentityProvider> {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider();
}

/** The kafkajs `oauthBearerProvider`: a fresh token per (re)authentication. */
export function mskOauthBearerProvider(region: string, credentials?: AwsCredentialIdentityProvider): () => Promise<{ value: string }> {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async () => {
    provider ??= credentials ? Promise.resolve(credentials) : defaultCredentials();
    const [{ generateAuthTokenFromCredentialsProvider }, awsCredentialsProvider] = await Promise.all([loadSigner(), provider]);
    const { token } = await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider });
    return { value: token };
  };
}

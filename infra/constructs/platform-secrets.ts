/**
 * One Secrets Manager secret per provider, `<root>/platform/<provider>`, created holding `{}` and filled
 * by operators (`aws secretsmanager put-secret-value`, or `npx ionflux secrets set` against AWS). The
 * functions report a missing field by secret name until then. Keys the platform makes itself (the email
 * unsubscribe signing key) are generated at creation instead. Encrypted with the project's data key
 * (DataStores), like the tables and queues; reading one grants kms:Decrypt through Secrets Manager only.
 */
import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { generatedSecretFields, type PlatformProvider, platformProviders, platformSecretName } from '../../shared/secrets/names';

export class PlatformSecrets extends Construct {
  readonly secrets: Record<PlatformProvider, secretsmanager.Secret>;

  constructor(scope: Construct, id: string, props: { secretRoot: string; key: kms.IKey }) {
    super(scope, id);
    this.secrets = {} as Record<PlatformProvider, secretsmanager.Secret>;
    for (const provider of platformProviders) {
      const generated = generatedSecretFields[provider];
      this.secrets[provider] = new secretsmanager.Secret(this, provider, {
        secretName: platformSecretName(props.secretRoot, provider),
        description: generated ? `IONFLUX platform ${provider} keys (JSON; ${generated} generated at creation)` : `IONFLUX platform credentials for ${provider} (JSON; filled by operators)`,
        ...(generated
          ? { generateSecretString: { secretStringTemplate: '{}', generateStringKey: generated, passwordLength: 64, excludePunctuation: true } }
          : // A placeholder, not a credential: the real value is put by an operator after deployment.
            { secretStringValue: SecretValue.unsafePlainText('{}') }),
        encryptionKey: props.key,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
  }
}

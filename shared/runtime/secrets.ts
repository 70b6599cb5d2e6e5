/** Secrets for this execution environment: Secrets Manager when AWS is enabled, else IONFLUX_HOME/secrets.json. */
import path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from '../aws/client-config';
import { config } from '../config/env';
import { LocalFileSecretStore } from '../secrets/local-file-store';
import { LocalSecretChanges } from '../secrets/local-changes';
import { SecretResolver } from '../secrets/secret-resolver';
import type { SecretStore } from '../secrets/secret-store';
import { SecretsManagerStore } from '../secrets/secrets-manager-store';
import { perEnvironment } from './per-environment';
import { workspaceDirectory } from './workspaces';

/** The Secrets Manager client of this environment (made on first use; settings in shared/aws/client-config.ts). */
export const secretsManagerClient = perEnvironment(
  () => new SecretsManagerClient(awsClientConfig(config())),
  (client) => client.destroy(),
);

export const secretStore = perEnvironment((): SecretStore => {
  const cfg = config();
  return cfg.aws.enabled
    ? new SecretsManagerStore(secretsManagerClient(), cfg.secretsKmsKeyId ? { kmsKeyId: cfg.secretsKmsKeyId } : {})
    : new LocalFileSecretStore(path.join(cfg.home, 'secrets.json'));
});

/** Outside Lambda (local runtime, CLI, tests): secret changes made through the state folder (`ionflux secrets set`). */
export const localSecretChanges = perEnvironment(() => (config().localMode ? new LocalSecretChanges(config().home) : undefined));

export const secretResolver = perEnvironment(() => {
  const changes = localSecretChanges();
  return new SecretResolver({
    store: secretStore(),
    workspaces: workspaceDirectory(),
    secretRoot: config().secretRoot,
    ttlMs: config().secretCacheTtlMs,
    ...(changes ? { changes } : {}),
  });
});

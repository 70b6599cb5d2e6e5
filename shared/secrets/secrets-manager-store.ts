/**
 * The SecretStore on AWS Secrets Manager (moto in tests), with `@aws-sdk/client-secrets-manager`. Every
 * call carries the deadline scope's abort signal; the SDK gives PutSecretValue and CreateSecret their
 * idempotency token (ClientRequestToken), the same on each retry.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsCallOptions } from '../aws/client-config';
import { isAwsError } from '../aws/errors';
import { SecretStoreError } from './errors';
import type { SecretStore } from './secret-store';

const isNotFound = (error: unknown) => isAwsError(error, 'ResourceNotFoundException');
/** A secret scheduled for deletion answers InvalidRequestException: for us it is gone. */
const isDeleted = (error: unknown) => isAwsError(error, 'InvalidRequestException') && /deleted|deletion/i.test((error as Error).message);

export class SecretsManagerStore implements SecretStore {
  /** `kmsKeyId`: the key secrets created here are encrypted with (else the account's aws/secretsmanager key). */
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: { kmsKeyId?: string } = {},
  ) {}

  async get(name: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }), awsCallOptions());
      if (out.SecretString !== undefined) return out.SecretString;
      return out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined;
    } catch (error) {
      if (isNotFound(error) || isDeleted(error)) return undefined;
      throw new SecretStoreError('reading', name, error);
    }
  }

  async put(name: string, value: string): Promise<void> {
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }), awsCallOptions());
    } catch (error) {
      if (!isNotFound(error)) throw new SecretStoreError('writing', name, error);
      try {
        await this.client.send(
          new CreateSecretCommand({ Name: name, SecretString: value, ...(this.options.kmsKeyId ? { KmsKeyId: this.options.kmsKeyId } : {}) }),
          awsCallOptions(),
        );
      } catch (createError) {
        throw new SecretStoreError('creating', name, createError);
      }
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }), awsCallOptions());
    } catch (error) {
      if (!isNotFound(error) && !isDeleted(error)) throw new SecretStoreError('deleting', name, error);
    }
  }

  async list(prefix?: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListSecretsCommand({
            ...(token ? { NextToken: token } : {}),
            MaxResults: 100,
            ...(prefix ? { Filters: [{ Key: 'name', Values: [prefix] }] } : {}),
          }),
          awsCallOptions(),
        );
        for (const secret of out.SecretList ?? []) if (secret.Name && (!prefix || secret.Name.startsWith(prefix))) names.push(secret.Name);
        token = out.NextToken;
      } while (token);
    } catch (error) {
      throw new SecretStoreError('listing', prefix ?? '*', error);
    }
    return names.sort();
  }
}

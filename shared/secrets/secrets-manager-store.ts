/** The SecretStore on AWS Secrets Manager (moto in tests), over the lean JSON client. */
import { randomUUID } from 'node:crypto';
import { isAwsError } from '../aws/errors';
import type { AwsJsonClient } from '../aws/json-client';
import { SecretStoreError } from './errors';
import type { SecretStore } from './secret-store';

const isNotFound = (error: unknown) => isAwsError(error, 'ResourceNotFoundException');
/** A secret scheduled for deletion answers InvalidRequestException: for us it is gone. */
const isDeleted = (error: unknown) => isAwsError(error, 'InvalidRequestException') && /deleted|deletion/i.test((error as Error).message);

export class SecretsManagerStore implements SecretStore {
  /** `kmsKeyId`: the key secrets created here are encrypted with (else the account's aws/secretsmanager key). */
  constructor(
    private readonly client: AwsJsonClient,
    private readonly options: { kmsKeyId?: string } = {},
  ) {}

  async get(name: string): Promise<string | undefined> {
    try {
      const out = await this.client.call<{ SecretString?: string; SecretBinary?: string }>('GetSecretValue', { SecretId: name });
      if (out.SecretString !== undefined) return out.SecretString;
      return out.SecretBinary ? Buffer.from(out.SecretBinary, 'base64').toString('utf8') : undefined;
    } catch (error) {
      if (isNotFound(error) || isDeleted(error)) return undefined;
      throw new SecretStoreError('reading', name, error);
    }
  }

  async put(name: string, value: string): Promise<void> {
    // Raw API calls must bring their own idempotency token (the SDK generates one the same way).
    try {
      await this.client.call('PutSecretValue', { SecretId: name, SecretString: value, ClientRequestToken: randomUUID() });
    } catch (error) {
      if (!isNotFound(error)) throw new SecretStoreError('writing', name, error);
      try {
        await this.client.call('CreateSecret', {
          Name: name,
          SecretString: value,
          ClientRequestToken: randomUUID(),
          ...(this.options.kmsKeyId ? { KmsKeyId: this.options.kmsKeyId } : {}),
        });
      } catch (createError) {
        throw new SecretStoreError('creating', name, createError);
      }
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.client.call('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true });
    } catch (error) {
      if (!isNotFound(error) && !isDeleted(error)) throw new SecretStoreError('deleting', name, error);
    }
  }

  async list(prefix?: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.call<{ SecretList?: Array<{ Name?: string }>; NextToken?: string }>('ListSecrets', {
          ...(token ? { NextToken: token } : {}),
          MaxResults: 100,
          ...(prefix ? { Filters: [{ Key: 'name', Values: [prefix] }] } : {}),
        });
        for (const secret of out.SecretList ?? []) if (secret.Name && (!prefix || secret.Name.startsWith(prefix))) names.push(secret.Name);
        token = out.NextToken;
      } while (token);
    } catch (error) {
      throw new SecretStoreError('listing', prefix ?? '*', error);
    }
    return names.sort();
  }
}

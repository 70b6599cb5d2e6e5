import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretStoreError } from './errors';
import type { SecretStore } from './secret-store';

const isNotFound = (error: unknown) =>
  error instanceof ResourceNotFoundException || (error as { name?: string }).name === 'ResourceNotFoundException';

export class SecretsManagerStore implements SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async get(name: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      if (out.SecretString !== undefined) return out.SecretString;
      return out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new SecretStoreError('reading', name, error);
    }
  }

  async put(name: string, value: string): Promise<void> {
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    } catch (error) {
      if (!isNotFound(error)) throw new SecretStoreError('writing', name, error);
      try {
        await this.client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      } catch (createError) {
        throw new SecretStoreError('creating', name, createError);
      }
    }
  }

  async list(prefix?: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListSecretsCommand({
            NextToken: token,
            MaxResults: 100,
            ...(prefix ? { Filters: [{ Key: 'name', Values: [prefix] }] } : {}),
          }),
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

/**
 * SecretResolver against Secrets Manager (moto) and the workspace directory (DynamoDB on moto): the
 * workspace's own key when mapped, the platform key otherwise, refusals, clear errors, caching.
 */
import { SecretMappingRefusedError, SecretNotFoundError } from '../../shared/secrets/errors';
import { connectionSecretName, platformSecretName } from '../../shared/secrets/names';
import { SecretResolver } from '../../shared/secrets/secret-resolver';
import type { SecretStore } from '../../shared/secrets/secret-store';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { secretResolver, secretStore } from '../../shared/runtime/secrets';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { table } from '../../shared/runtime/storage';
import { InvalidWorkspaceSettingsError } from '../../shared/workspaces/errors';
import { WorkspaceDirectory } from '../../shared/workspaces/workspace-directory';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { storeSecret } from '../support/secrets';

beforeAll(() => useLocalServices());

/** The store the tests use, counting reads. */
function countingStore(): { reads: number; store: SecretStore } {
  const counter: { reads: number; store: SecretStore } = {
    reads: 0,
    store: {
      get: (name: string) => (counter.reads++, secretStore().get(name)),
      put: (name: string, value: string) => secretStore().put(name, value),
      list: (prefix?: string) => secretStore().list(prefix),
      delete: (name: string) => secretStore().delete(name),
    },
  };
  return counter;
}
afterAll(() => resetEnvironment());

describe('SecretResolver (Secrets Manager on moto)', () => {
  it('uses the platform key when the workspace maps nothing for the provider', async () => {
    await storeSecret(platformSecretName(secretRoot(), 'openai'), { api_key: 'sk-platform-0001', base_url: 'http://127.0.0.1:9/v1' });
    const credential = await secretResolver().resolve({ provider: 'openai', workspaceId: newWorkspaceId() });
    expect(credential.source).toBe('platform');
    expect(credential.secretName).toBe(`${secretRoot()}/platform/openai`);
    expect(credential.require('api_key')).toBe('sk-platform-0001');
    expect(credential.get('base_url')).toBe('http://127.0.0.1:9/v1');
    expect(JSON.stringify(credential)).not.toContain('sk-platform-0001');
  });

  it('uses the workspace key when generic_secrets_config_json maps the label to its own secret', async () => {
    const ws = newWorkspaceId();
    const name = `${secretRoot()}/workspaces/${ws}/anthropic`;
    await storeSecret(platformSecretName(secretRoot(), 'anthropic'), { api_key: 'sk-ant-platform-01' });
    await storeSecret(name, 'sk-ant-workspace-plain-01');
    await workspaceDirectory().putSettings(ws, { generic_secrets_config_json: JSON.stringify({ anthropic: name }) });
    const credential = await secretResolver().resolve({ provider: 'anthropic', workspaceId: ws });
    expect(credential.source).toBe('workspace');
    expect(credential.secretName).toBe(name);
    expect(credential.require('api_key')).toBe('sk-ant-workspace-plain-01');
    // Another workspace without a mapping still gets the platform key.
    expect((await secretResolver().resolve({ provider: 'anthropic', workspaceId: newWorkspaceId() })).source).toBe('platform');
  });

  it('refuses a mapping outside the workspace prefix when it is set, and when it is read', async () => {
    const ws = newWorkspaceId();
    for (const target of [
      `${secretRoot()}/platform/openai`,
      `${secretRoot()}/workspaces/${newWorkspaceId()}/openai`,
      `${secretRoot()}/workspaces/${ws}/../other/openai`,
      `${secretRoot()}/workspaces/${ws}/`,
      'arn:aws:secretsmanager:us-east-1:1:secret:x',
      // Tokens the platform obtained (a shop's Admin API token) are never a workspace's to map.
      connectionSecretName(secretRoot(), 'shopify', ws, 'acme.myshopify.com'),
      `${secretRoot()}/connections/shopify/${ws}/acme.myshopify.com`,
    ]) {
      await expect(workspaceDirectory().putSettings(ws, { generic_secrets_config_json: { openai: target } })).rejects.toBeInstanceOf(
        InvalidWorkspaceSettingsError,
      );
    }
    // A record written around the API (an older version, a manual edit) is refused at resolve time too.
    const other = `${secretRoot()}/workspaces/someone_else/openai`;
    await table('workspaces').put({ pk: ws, record: { workspace_id: ws, settings: { generic_secrets_config_json: { openai: other } }, updated_at: '' } });
    const fresh = new SecretResolver({
      store: secretStore(),
      workspaces: new WorkspaceDirectory(table('workspaces'), { secretRoot: secretRoot() }),
      secretRoot: secretRoot(),
      ttlMs: 60_000,
    });
    const refusal = fresh.resolve({ provider: 'openai', workspaceId: ws });
    await expect(refusal).rejects.toBeInstanceOf(SecretMappingRefusedError);
    await expect(refusal).rejects.toThrow(/outside its own prefix/);
  });

  it('names the missing secret or field instead of failing obscurely', async () => {
    const missing = `${secretRoot()}/workspaces/${newWorkspaceId()}/never-created`;
    await expect(secretResolver().require(missing)).rejects.toThrow(`secret ${missing} is not configured`);
    await storeSecret(platformSecretName(secretRoot(), 'pinecone'), '{}');
    const credential = await secretResolver().platform('pinecone');
    let error: unknown;
    try {
      credential.require('api_key');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain(`${secretRoot()}/platform/pinecone`);
    expect((error as Error).message).toContain('"api_key"');
    await expect(secretResolver().resolve({ provider: 'openai', workspaceId: 'bad id' })).rejects.toThrow(/workspace_id/);
  });

  it('caches values per execution environment for the TTL and forgets misses at once', async () => {
    let reads = 0;
    const counting: SecretStore = {
      get: (name) => {
        reads++;
        return secretStore().get(name);
      },
      put: (n, v) => secretStore().put(n, v),
      list: (p) => secretStore().list(p),
      delete: (n) => secretStore().delete(n),
    };
    let clock = 0;
    const resolver = new SecretResolver({ store: counting, workspaces: workspaceDirectory(), secretRoot: secretRoot(), ttlMs: 1000, clock: () => clock });
    const name = platformSecretName(secretRoot(), 'deepseek');
    await secretStore().put(name, '{}');
    resolver.invalidate(name);
    reads = 0;
    await expect(resolver.require(`${name}-missing`)).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(resolver.require(`${name}-missing`)).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(reads).toBe(2);
    reads = 0;
    await storeSecret(name, { api_key: 'sk-deepseek-first-1' });
    expect((await resolver.platform('deepseek')).require('api_key')).toBe('sk-deepseek-first-1');
    await Promise.all([resolver.platform('deepseek'), resolver.platform('deepseek')]);
    expect(reads).toBe(1);
    await storeSecret(name, { api_key: 'sk-deepseek-second' });
    expect((await resolver.platform('deepseek')).require('api_key')).toBe('sk-deepseek-first-1');
    clock += 1001;
    expect((await resolver.platform('deepseek')).require('api_key')).toBe('sk-deepseek-second');
    expect(reads).toBe(2);
    resolver.invalidate(name);
    await resolver.platform('deepseek');
    expect(reads).toBe(3);
  });

  it('never keeps an incomplete secret: once completed, the next call uses it without waiting for the TTL', async () => {
    const counting = countingStore();
    const resolver = new SecretResolver({ store: counting.store, workspaces: workspaceDirectory(), secretRoot: secretRoot(), ttlMs: 300_000, clock: () => 0 });
    const name = platformSecretName(secretRoot(), 'shopify');
    await storeSecret(name, { client_secret: 'shpss_incomplete_01' });
    const first = await resolver.platform('shopify');
    expect(first.require('client_secret')).toBe('shpss_incomplete_01');
    expect(() => first.require('client_id')).toThrow(
      `secret ${name} is not configured: it has no "client_id" (complete it with: npx ionflux secrets set ${name} --merge '{"client_id":"…"}')`,
    );
    await storeSecret(name, { client_id: 'app-id-01', client_secret: 'shpss_incomplete_01' });
    expect((await resolver.platform('shopify')).require('client_id')).toBe('app-id-01');
    expect(counting.reads).toBe(2);
    // Complete now: kept for the TTL.
    await resolver.platform('shopify');
    expect(counting.reads).toBe(2);
  });

  it('hints at the complete value: every field the provider needs for a missing secret, the missing ones merged into an existing one', async () => {
    const ws = newWorkspaceId();
    const mapped = `${secretRoot()}/workspaces/${ws}/shopify`;
    await workspaceDirectory().putSettings(ws, { generic_secrets_config_json: { shopify: mapped } });
    await expect(secretResolver().resolve({ provider: 'shopify', workspaceId: ws })).rejects.toThrow(
      `secret ${mapped} is not configured: create it with: npx ionflux secrets set ${mapped} '{"client_id":"…","client_secret":"…"}'`,
    );
    await storeSecret(mapped, { previous_client_secret: 'shpss_old_hint_01' });
    const credential = await secretResolver().resolve({ provider: 'shopify', workspaceId: ws });
    expect(() => credential.require('client_secret')).toThrow(`npx ionflux secrets set ${mapped} --merge '{"client_id":"…","client_secret":"…"}'`);
    // A provider with no known fields: the field asked for.
    const pinecone = platformSecretName(secretRoot(), 'pinecone');
    await storeSecret(pinecone, '{}');
    const plain = await secretResolver().platform('pinecone');
    expect(() => plain.require('api_key')).toThrow(`npx ionflux secrets set ${pinecone} --merge '{"api_key":"…"}'`);
  });

  it('empties its cache when the change signal moves (locally: ionflux secrets set in the same state folder)', async () => {
    let stamp = 'a';
    const counting = countingStore();
    const resolver = new SecretResolver({ store: counting.store, workspaces: workspaceDirectory(), secretRoot: secretRoot(), ttlMs: 300_000, clock: () => 0, changes: { stamp: () => stamp } });
    const name = platformSecretName(secretRoot(), 'anthropic');
    await storeSecret(name, { api_key: 'sk-ant-signal-0001' });
    expect((await resolver.platform('anthropic')).require('api_key')).toBe('sk-ant-signal-0001');
    await storeSecret(name, { api_key: 'sk-ant-signal-0002' });
    expect((await resolver.platform('anthropic')).require('api_key')).toBe('sk-ant-signal-0001');
    stamp = 'b';
    expect((await resolver.platform('anthropic')).require('api_key')).toBe('sk-ant-signal-0002');
    expect(counting.reads).toBe(2);
  });
});

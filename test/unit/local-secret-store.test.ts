/** The embedded SecretStore (IONFLUX_HOME/secrets.json): the same contract as Secrets Manager, delete included. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalFileSecretStore } from '../../shared/secrets/local-file-store';

describe('LocalFileSecretStore', () => {
  it('puts, lists by prefix, deletes (a missing secret is no error) and keeps the file private', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ionflux-secrets-'));
    const store = new LocalFileSecretStore(path.join(dir, 'secrets.json'));
    await store.put('root/workspaces/ws1/shopify/a.myshopify.com', '{"access_token":"x"}');
    await store.put('root/connections/shopify/ws1/a.myshopify.com', '{"access_token":"x"}');
    expect(await store.list('root/workspaces/')).toEqual(['root/workspaces/ws1/shopify/a.myshopify.com']);
    await store.delete('root/workspaces/ws1/shopify/a.myshopify.com');
    await store.delete('root/workspaces/ws1/shopify/a.myshopify.com');
    await store.delete('never/existed');
    expect(await store.get('root/workspaces/ws1/shopify/a.myshopify.com')).toBeUndefined();
    expect(await store.list()).toEqual(['root/connections/shopify/ws1/a.myshopify.com']);
    expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

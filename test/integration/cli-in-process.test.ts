/**
 * The CLI telling the truth, run in process on an embedded state folder (cli.test.ts runs it as a child
 * process): empty lists say none, a topic that does not exist is said to be missing, `run` lists what it
 * can run, `webhook send` knows Shopify's topics, and a secret is fixed in place (`--merge`,
 * `get --fields`) without a value ever printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../cli/main';
import { config } from '../../shared/config/env';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { platformSecretName } from '../../shared/secrets/names';
import { secretRoot, useEmbedded } from '../support/environment';
import { recordSecretValue } from '../support/secrets';

beforeAll(() => useEmbedded());
afterAll(() => resetEnvironment());

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
}

describe('ionflux CLI (in process, embedded state)', () => {
  it('says "none" for empty lists, refuses a topic that does not exist, and lists what run can run', async () => {
    for (const args of [['secrets', 'list', '--prefix', `${secretRoot()}/`], ['connections', 'list'], ['parked', 'list']]) {
      expect(await cli(...args)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^none( under .*)?\n$/) });
    }
    expect((await cli('connections', 'list', '--json')).stdout).toBe('');
    const missing = await cli('events', 'read', 'ionflux.shopify.ws_nobody.orders.created');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^topic ionflux\.shopify\.ws_nobody\.orders\.created does not exist/);
    const runnable = await cli('run');
    expect(runnable.code).toBe(0);
    expect(runnable.stdout).toMatch(/^ {2}webhooks-replay-parked +rate\(15 minutes\)$/m);
    const notScheduled = await cli('run', 'webhook-shopify');
    expect(notScheduled.code).toBe(2);
    expect(notScheduled.stderr).toContain('webhook-shopify is not a scheduled function');
    const unknownTopic = await cli('webhook', 'send', 'shopify', 'orders/frobnicate', '--shop', 'a.myshopify.com');
    expect(unknownTopic.code).toBe(2);
    expect(unknownTopic.stderr).toContain('Shopify has no webhook topic "orders/frobnicate"; orders topics: orders/cancelled, orders/create,');
  });

  it('fixes a secret where it is: --merge keeps the other fields, null removes one, --fields shows names only', async () => {
    recordSecretValue('shpss_merge_secret_01');
    recordSecretValue('shpss_merge_previous');
    const name = platformSecretName(secretRoot(), 'shopify');
    const partial = await cli('secrets', 'set', name, '{"client_secret":"shpss_merge_secret_01","previous_client_secret":"shpss_merge_previous"}');
    expect(partial.code).toBe(0);
    expect(partial.stderr).toContain(`note: ${name} still lacks client_id; add with: npx ionflux secrets set ${name} --merge '{"client_id":"…"}'`);
    const before = await cli('secrets', 'get', name, '--fields');
    expect(before.stdout).toBe(`${name}\n  set:     client_secret, previous_client_secret\n  missing: client_id (required)\n`);
    const merged = await cli('secrets', 'set', name, '--merge', '{"client_id":"app-merge-01","previous_client_secret":null}');
    expect(merged).toMatchObject({ code: 0, stderr: '' });
    expect(merged.stdout).toBe(`updated ${name} (local secrets file); fields: client_id, client_secret\n`);
    const stored = JSON.parse(JSON.parse(fs.readFileSync(path.join(config().home, 'secrets.json'), 'utf8'))[name]);
    expect(stored).toEqual({ client_id: 'app-merge-01', client_secret: 'shpss_merge_secret_01' });
    const after = await cli('secrets', 'get', name, '--fields');
    expect(after.stdout).toBe(`${name}\n  set:     client_id, client_secret\n`);
    for (const out of [partial, before, merged, after]) expect(out.stdout + out.stderr).not.toMatch(/shpss_merge/);
    // A plain-string secret has no fields to merge into; a merge value must be a JSON object.
    const plain = platformSecretName(secretRoot(), 'pinecone');
    await cli('secrets', 'set', plain, 'pc-plain-key');
    expect((await cli('secrets', 'set', plain, '--merge', '{"a":"b"}')).stderr).toContain('holds a plain string');
    expect((await cli('secrets', 'set', name, '--merge', '["x"]')).stderr).toContain('--merge must be a JSON object');
    expect((await cli('secrets', 'get', platformSecretName(secretRoot(), 'nothing'), '--fields')).code).toBe(1);
    expect((await cli('secrets', 'get', name)).code).toBe(2);
  });
});

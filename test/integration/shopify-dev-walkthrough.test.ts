/**
 * docs/shopify.md "Try it locally": the fake Shopify started as the dev tool starts it, a local runtime on
 * the embedded defaults pointed at it, and the doc's own bash block run as written (its base URL swapped for
 * this runtime's port; `npx ionflux` is the CLI of this checkout; curl fails on any HTTP error).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { devFakes, type RunningDevFake } from '../fakes/dev-fakes';
import { projectRoot } from '../support/paths';
import { recordSecretValue } from '../support/secrets';

const run = promisify(execFile);
const doc = fs.readFileSync(path.join(projectRoot, 'docs', 'shopify.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Try it locally'), doc.indexOf('## Connecting a store, end to end'));
const [terminals = '', walkthrough = ''] = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'shopify-walkthrough-'));
const saved = { ...process.env };
let fake: RunningDevFake;
let runtime: LocalRuntime;

beforeAll(async () => {
  fake = await (await devFakes.shopify!.load()).start({ port: 0, secretRoot: 'ionflux', values: {} });
  for (const value of Object.values(fake.secrets).flatMap((s) => Object.values(s))) recordSecretValue(value);
  Object.assign(process.env, { IONFLUX_HOME: home, IONFLUX_SECRET_ROOT: 'ionflux', IONFLUX_RESOURCE_PREFIX: 'ionflux', ...fake.env });
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.KAFKA_BROKERS;
  await resetEnvironment();
  runtime = await startLocalRuntime({ port: 0, internalToken: 'dev-token', log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
  await fake?.stop();
  process.env = saved;
  await resetEnvironment();
});

describe('docs/shopify.md: try it locally, against the fake Shopify', () => {
  it('tells the reader what the dev tool prints: its port, the environment and the secret', () => {
    expect(terminals).toContain('npx ionflux dev fake shopify');
    expect(terminals).toContain(`SHOPIFY_API_ORIGIN='http://127.0.0.1:${devFakes.shopify!.port}/shops/{shop}' npm run dev`);
    expect(terminals).toContain('IONFLUX_INTERNAL_TOKEN=dev-token');
    for (const [name, value] of Object.entries(fake.secrets)) expect(walkthrough).toContain(`npx ionflux secrets set ${name} --merge '${JSON.stringify(value)}'`);
  });

  it('runs from install to a rollback dry run as written', async () => {
    expect(walkthrough).toContain('B=http://127.0.0.1:3000\n');
    const prelude = [
      'set -euo pipefail',
      `npx() { if [ "$1" = ionflux ]; then shift; ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(projectRoot, 'bin', 'ionflux.cjs'))} "$@"; else command npx "$@"; fi; }`,
      'curl() { command curl --fail-with-body "$@"; echo; }',
    ].join('\n');
    const script = `${prelude}\n${walkthrough.replace('B=http://127.0.0.1:3000\n', `B=${runtime.http.url}\n`)}`;
    const { stdout } = await run('bash', ['-c', script], {
      cwd: projectRoot,
      env: { ...process.env, IONFLUX_HOME: home, IONFLUX_SECRET_ROOT: 'ionflux', IONFLUX_RESOURCE_PREFIX: 'ionflux', AWS_ENDPOINT_URL: '', KAFKA_BROKERS: '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const json = stdout
      .split('\n')
      .filter((line) => line.startsWith('{') && line.endsWith('}'))
      .map((line) => JSON.parse(line) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    const find = (predicate: (o: Record<string, any>) => boolean) => json.find(predicate); // eslint-disable-line @typescript-eslint/no-explicit-any

    expect(find((o) => o.status === 'connected')).toMatchObject({ shop: 'acme-store.myshopify.com', workspace_id: 'acme42', webhooks: { failed: [] } });
    expect(find((o) => o.shop?.shop_domain)).toMatchObject({ workspace_id: 'acme42', shop: { currency: 'USD' } });
    expect(find((o) => o.resource === 'orders')?.items).toHaveLength(2);
    expect(find((o) => o.resource === 'customers')).toMatchObject({ pii_included: true, items: [{ email: 'ada@example.com' }] });
    expect(stdout).toMatch(/shopify\.orders\.created {2}ws=acme42/);
    expect(stdout).toContain('"account_id": "acme-store.myshopify.com"');
    expect(find((o) => o.status === 'done')).toBeDefined();
    expect(find((o) => o.action === 'script_tag_deactivation')).toMatchObject({ dry_run: true, would_delete: [{ src: 'https://cdn.bad-tracker.example/t.js' }] });
    expect(find((o) => o.action === 'theme_rollback')).toMatchObject({
      dry_run: true,
      current_main_theme: { name: 'Dawn' },
      target_theme: { name: 'Dawn (before the sale)', role: 'UNPUBLISHED' },
    });
  }, 120_000);
});

/**
 * docs/tiktok.md "Try it locally": the fake TikTok started as the dev tool starts it, a local runtime on the
 * embedded defaults, and the doc's own bash block run as written (its base URL and the fake's port swapped
 * for this run's; `npx ionflux` is the CLI of this checkout; curl fails on any HTTP error).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { devFakes, type RunningDevFake } from '../fakes/dev-fakes';
import { DEV_OPEN_ID } from '../fakes/tiktok/dev-fake';
import { projectRoot } from '../support/paths';
import { recordSecretValue } from '../support/secrets';

const run = promisify(execFile);
const doc = fs.readFileSync(path.join(projectRoot, 'docs', 'tiktok.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Try it locally'), doc.indexOf('## Connecting an account, end to end'));
const [terminals = '', walkthrough = ''] = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tiktok-walkthrough-'));
const saved = { ...process.env };
let fake: RunningDevFake;
let runtime: LocalRuntime;

beforeAll(async () => {
  fake = await (await devFakes.tiktok!.load()).start({ port: 0, secretRoot: 'ionflux', values: {} });
  for (const value of Object.values(fake.secrets).flatMap((s) => Object.entries(s).filter(([k]) => !k.endsWith('_url')).map(([, v]) => v))) recordSecretValue(value);
  Object.assign(process.env, { IONFLUX_HOME: home, IONFLUX_SECRET_ROOT: 'ionflux', IONFLUX_RESOURCE_PREFIX: 'ionflux' });
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.KAFKA_BROKERS;
  delete process.env.IONFLUX_PUBLIC_BASE_URL;
  await resetEnvironment();
  runtime = await startLocalRuntime({ port: 0, internalToken: 'dev-token', log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
  await fake?.stop();
  process.env = saved;
  await resetEnvironment();
});

describe('docs/tiktok.md: try it locally, against the fake TikTok', () => {
  it('tells the reader what the dev tool prints: its port and the secret', () => {
    expect(terminals).toContain('npx ionflux dev fake tiktok');
    expect(terminals).toContain('IONFLUX_INTERNAL_TOKEN=dev-token npm run dev');
    const port = devFakes.tiktok!.port;
    for (const [name, value] of Object.entries(fake.secrets)) {
      const asDocumented = JSON.stringify(value).replaceAll(fake.origin, `http://127.0.0.1:${port}`);
      expect(walkthrough).toContain(`npx ionflux secrets set ${name} --merge '${asDocumented}'`);
    }
  });

  it('runs from connecting an account to a trend snapshot and a webhook as written', async () => {
    expect(walkthrough).toContain('B=http://127.0.0.1:3000\n');
    const prelude = [
      'set -euo pipefail',
      `npx() { if [ "$1" = ionflux ]; then shift; ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(projectRoot, 'bin', 'ionflux.cjs'))} "$@"; else command npx "$@"; fi; }`,
      'curl() { command curl --fail-with-body "$@"; echo; }',
    ].join('\n');
    const script = `${prelude}\n${walkthrough.replace('B=http://127.0.0.1:3000\n', `B=${runtime.http.url}\n`).replaceAll(`http://127.0.0.1:${devFakes.tiktok!.port}`, fake.origin)}`;
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

    expect(find((o) => o.status === 'connected')).toMatchObject({ open_id: DEV_OPEN_ID, workspace_id: 'acme42', display_name: 'Demo Creator', missing_scopes: [] });
    expect(find((o) => Array.isArray(o.accounts))).toMatchObject({ workspace_id: 'acme42', accounts: [{ open_id: DEV_OPEN_ID, status: 'active', display_name: 'Demo Creator' }] });
    expect(find((o) => o.user)).toMatchObject({ user: { display_name: 'Demo Creator', follower_count: 12_400, video_count: 12 } });
    expect(find((o) => Array.isArray(o.videos) && o.has_more === true && typeof o.cursor === 'number')?.videos).toHaveLength(5);
    expect(find((o) => Array.isArray(o.not_found))).toMatchObject({ not_found: [], videos: [{ id: '7300000000000000000' }, { id: '7300000000000000001' }] });
    expect(find((o) => Array.isArray(o.windows) && o.windows.length === 2 && Array.isArray(o.videos))?.videos.length).toBeGreaterThan(0);
    expect(find((o) => Array.isArray(o.hashtags) && o.complete === true)?.hashtags.map((h: { hashtag: string }) => h.hashtag)).toEqual(['ootd', 'linen']);
    expect(find((o) => Array.isArray(o.workspaces))).toMatchObject({ workspaces: [{ workspace_id: 'acme42', event_id: expect.any(String), complete: true }] });
    expect(stdout).toMatch(/tiktok\.trend_snapshot {2}ws=acme42/);
    expect(stdout).toMatch(/tiktok\.video\.publish\.completed {2}ws=acme42/);
    expect(stdout).toContain(`"account_id": "${DEV_OPEN_ID}"`);
    expect(stdout).toContain('"research_quota"');
  }, 120_000);
});

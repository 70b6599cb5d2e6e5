/**
 * Memory as a developer meets it: `npm run dev` with nothing configured serves the memory routes on the
 * embedded store (the configured index exists from the first call, with the default embedding model's
 * dimension), and `npx ionflux memory query|stats` (another process) reads what the runtime wrote.
 * Also the fake Pinecone as a dev tool: started standalone, it serves the SDK.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Pinecone } from '@pinecone-database/pinecone';
import { runCli } from '../../cli/main';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { config } from '../../shared/config/env';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { FakeOpenAi } from '../fakes/openai/fake-openai';
import { useEmbedded } from '../support/environment';
import { newKey, platformKey } from '../support/llm';
import { projectRoot } from '../support/paths';

const run = promisify(execFile);
const cli = path.join(projectRoot, 'bin', 'ionflux.cjs');
const TOKEN = 'memory-dev-token';
const key = newKey('sk-proj-dev');

let runtime: LocalRuntime;
let openai: FakeOpenAi;

beforeAll(async () => {
  for (const k of ['IONFLUX_VECTOR_STORE', 'IONFLUX_VECTOR_INDEX', 'IONFLUX_VECTOR_INDEXES', 'IONFLUX_EMBEDDING_MODEL']) delete process.env[k];
  await useEmbedded();
  openai = await FakeOpenAi.start({ keys: [key] });
  await platformKey('openai', key, openai.baseUrl);
  runtime = await startLocalRuntime({ port: 0, internalToken: TOKEN, triggers: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
  await openai?.close();
  await resetEnvironment();
});

async function ionflux(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: process.env, cwd: projectRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const post = (route: string, body: unknown) =>
  fetch(`${runtime.http.url}/v1/memory/workspaces/acme/${route}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('memory under npm run dev (nothing configured)', () => {
  it('the embedded store serves the routes; the CLI reads what the runtime wrote', async () => {
    const ns = { namespace_template: '{agent_id}/memory', variables: { agent_id: 'concierge' } };
    const up = await post('upsert', { ...ns, records: ['loves green tea', 'ships to Lisbon', 'asked about returns'].map((text, i) => ({ id: `m${i}`, text, metadata: { text } })) });
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ upserted: 3, namespace: 'concierge/memory', index: 'ionflux-memory', embedded: { model: 'text-embedding-3-small' } });
    const index = JSON.parse(fs.readFileSync(path.join(config().home, 'vectors', 'ionflux-memory', 'index.json'), 'utf8'));
    expect(index).toMatchObject({ name: 'ionflux-memory', dimension: 1536, metric: 'cosine', embedding_model: 'text-embedding-3-small' });

    const stats = await ionflux(['memory', 'stats', '--workspace', 'acme']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain('ionflux-memory (embedded, 1536-d cosine; default index ionflux-memory) · workspace acme · 3 record(s)');
    expect(stats.stdout).toMatch(/ {7}3 {2}concierge\/memory/);

    const query = await ionflux(['memory', 'query', '--workspace', 'acme', '--template', '{agent_id}/memory', '--var', 'agent_id=concierge', '--text', 'ships to Lisbon', '--top-k', '2', '--json']);
    expect(query.code).toBe(0);
    const result = JSON.parse(query.stdout);
    expect(result.matches[0]).toMatchObject({ id: 'm1', metadata: { text: 'ships to Lisbon' } });
    expect(result.matches[0].score).toBeCloseTo(1, 5);

    // The rest in process (the same commands; a child process costs seconds each).
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await runCli(['memory', 'query', '--workspace', 'acme', '--namespace', 'concierge/memory', '--id', 'm2', '--top-k', '1'], io)).toBe(0);
    expect(lines.join('\n')).toMatch(/ionflux-memory · concierge\/memory · 1 match\(es\)\n {2}1\.0000 {2}m2 {2}\{"text":"asked about returns"\}/);
    lines.length = 0;
    expect(await runCli(['memory', 'query', '--workspace', 'acme', '--text', 'x'], io)).toBe(2);
    expect(lines.join('\n')).toContain('usage: ionflux memory query');
    lines.length = 0;
    expect(await runCli(['memory', 'query', '--workspace', 'acme', '--namespace', 'a/../b', '--text', 'x'], io)).toBe(1);
    expect(lines.join('\n')).toContain('empty, "." or ".." level');
  }, 60_000);
});

describe('the fake Pinecone as a dev tool', () => {
  it('npx ionflux dev fake pinecone starts it, prints how to point IONFLUX at it, and serves the SDK', async () => {
    const child = spawn(process.execPath, [cli, 'dev', 'fake', 'pinecone', '--port', '0', '--api-key', 'pclocal-dev', '--index', 'ionflux-memory:8'], {
      cwd: projectRoot,
      env: { ...process.env, IONFLUX_SECRET_ROOT: 'ionflux' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      for (let i = 0; i < 300 && !out.includes('npx ionflux secrets set'); i++) await new Promise((r) => setTimeout(r, 50));
      const url = /fake pinecone on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      expect(url).toBeDefined();
      expect(out).toContain('IONFLUX_VECTOR_STORE=pinecone npm run dev');
      expect(out).toContain(`npx ionflux secrets set ionflux/platform/pinecone --merge '{"api_key":"pclocal-dev","controller_host_url":"${url}"}'`);
      const pc = new Pinecone({ apiKey: 'pclocal-dev', controllerHostUrl: url!, maxRetries: 0 });
      const model = await pc.indexes.describe('ionflux-memory');
      expect(model.host).toBe(`${url}/data/default/ionflux-memory`);
      const index = pc.index({ name: 'ionflux-memory', host: model.host });
      await index.upsert({ records: [{ id: 'a', values: [1, 0, 0, 0, 0, 0, 0, 1] }], namespace: 'ws_acme/x' });
      const found = await index.query({ vector: [1, 0, 0, 0, 0, 0, 0, 1], topK: 1, namespace: 'ws_acme/x' });
      expect(found.matches.map((m) => m.id)).toEqual(['a']);
    } finally {
      child.kill('SIGINT');
    }
  }, 30_000);
});

/**
 * Bundles keep class and function names (esbuild `keepNames`, in the bundling options CDK ships with):
 * an error logged by a deployed function is named `StorageError`, not whatever the minifier called it.
 * Proven on a real bundle — built with the exact options CDK uses, run in a fresh Node process as Lambda
 * would, against an AWS endpoint that refuses connections.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptions, OWN_CODE_GOAL, ownCodeBytes } from '../../bench/bundles';
import { bundlingOptions } from '../../infra/constructs/manifest-function';
import { buildHttpApiEvent } from '../../local/api-gateway-event';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

/** A port nothing listens on (connections are refused at once). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const INVOKE = `
const [bundle, eventJson] = process.argv.slice(1);
const started = Date.now();
const context = { awsRequestId: 'names', functionName: 'names', getRemainingTimeInMillis: () => 10000 - (Date.now() - started) };
require(bundle).handler(JSON.parse(eventJson), context).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
`;

describe('bundles as CDK builds them', () => {
  it('are minified with names kept', () => {
    expect(bundlingOptions.minify).toBe(true);
    expect(bundlingOptions.keepNames).toBe(true);
  });

  it('leave out code only the local runtime runs (memory: the embedded vector store), keeping own code within the goal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-embedded-'));
    const bundle = path.join(dir, 'index.js');
    const { metafile } = await build(esbuildOptions(path.join(root, 'functions/memory/upsert.ts'), bundle));
    const code = fs.readFileSync(bundle, 'utf8');
    expect(code).toContain('PineconeStores');
    expect(code).not.toContain('EmbeddedVectorStore');
    expect(Object.keys(metafile!.inputs).filter((input) => input.includes('shared/memory/embedded/'))).toEqual([]);
    expect(ownCodeBytes(metafile!)).toBeLessThanOrEqual(OWN_CODE_GOAL);
  }, 30_000);

  it('log errors under their class names (workspaces-get-settings, AWS refusing connections)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-names-'));
    const bundle = path.join(dir, 'index.js');
    await build(esbuildOptions(path.join(root, 'functions/workspaces/get-settings.ts'), bundle));
    expect(fs.readFileSync(bundle, 'utf8')).not.toContain('class StorageError '); // minified all the same

    const logFile = path.join(dir, 'log.jsonl');
    const event = buildHttpApiEvent({
      method: 'GET',
      rawPath: '/v1/workspaces/ws_names/settings',
      routeKey: 'GET /v1/workspaces/{workspace_id}/settings',
      pathParameters: { workspace_id: 'ws_names' },
    });
    const { stdout } = await run(process.execPath, ['-e', INVOKE, bundle, JSON.stringify(event)], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        AWS_LAMBDA_FUNCTION_NAME: 'names',
        AWS_ENDPOINT_URL: `http://127.0.0.1:${await closedPort()}`,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        IONFLUX_LOG_FILE: logFile,
      },
    });
    expect(JSON.parse(stdout)).toMatchObject({ statusCode: 503 });
    const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: string; error?: { name: string } });
    const failure = lines.find((l) => l.message === 'request failed');
    expect(failure?.error?.name).toBe('StorageError');
  }, 30_000);
});

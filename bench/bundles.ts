/**
 * `npm run bench -- bundles [--runs N]`: for every function of the manifest, the esbuild bundle exactly as
 * CDK ships it (minified, source map beside it, AWS SDK from the runtime) and its cold-init time — a fresh
 * Node process loads the bundle and runs one invocation against local services (moto, the Kafka broker) —
 * next to a hello-world handler bundled the same way, in one run. Goals: ≤ 300 KB, ≤ 1.5× hello-world.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { functions } from '../functions/manifest';
import { type FunctionSpec, isHttp, isKafka, isSchedule, isSns, isSqs } from '../functions/manifest-types';
import { bundlingOptions } from '../infra/constructs/manifest-function';
import { buildHttpApiEvent } from '../local/api-gateway-event';
import { scheduledEvent, sqsEvent } from '../local/aws-events';
import { startSet, testServices } from '../scripts/services/service-sets';
import { median, printTable, writeResults } from './report';
import { sampleEvents } from './samples';

const root = path.resolve(__dirname, '..');
const execFileAsync = promisify(execFile);
const work = path.join(root, '.tmp', 'bench-bundles');
const SIZE_GOAL = 300 * 1024;
const INIT_GOAL_RATIO = 1.5;

/** The esbuild options CDK's NodejsFunction derives from our bundling options. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    minify: bundlingOptions.minify ?? false,
    sourcemap: bundlingOptions.sourceMap ? 'external' : false,
    sourcesContent: bundlingOptions.sourcesContent ?? true,
    target: bundlingOptions.target ?? 'node24',
    format: 'cjs',
    mainFields: [...(bundlingOptions.mainFields ?? [])],
    external: [...(bundlingOptions.externalModules ?? [])],
    logLevel: 'error',
  };
}

function defaultEvent(spec: FunctionSpec): unknown {
  const t = spec.trigger;
  if (isHttp(t)) {
    const rawPath = t.http.path.replace(/\{[^}]+\}/g, 'bench');
    const pathParameters = Object.fromEntries([...t.http.path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => [m[1]!, 'bench']));
    return buildHttpApiEvent({ method: t.http.method, rawPath, routeKey: `${t.http.method} ${t.http.path}`, pathParameters, headers: { 'content-type': 'application/json' }, body: '{}' });
  }
  if (isSqs(t)) return sqsEvent(`bench-${t.sqs.queue}`, []);
  if (isSchedule(t)) return scheduledEvent(spec.id);
  if (isKafka(t)) return { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:bench', bootstrapServers: '127.0.0.1:9092', records: {} };
  if (isSns(t)) return { Records: [] };
  return {};
}

interface Row {
  id: string;
  bytes: number;
  initMs: number;
  loadMs: number;
  invokeMs: number;
  ratio: number;
  status: string;
}

type ColdStart = { loadMs: number; invokeMs: number; totalMs: number; status?: number };

/** Asynchronous, so the provider fakes in this process keep answering the child. */
async function coldStart(bundle: string, eventFile: string, env: NodeJS.ProcessEnv): Promise<ColdStart> {
  const { stdout: out } = await execFileAsync(process.execPath, [path.join(__dirname, 'cold-init-child.cjs'), bundle, eventFile], { env, encoding: 'utf8', cwd: path.dirname(bundle) });
  const last = out.trim().split('\n').pop()!;
  const parsed = JSON.parse(last) as { loadMs: number; invokeMs: number; totalMs: number; status?: number; error?: string };
  if (parsed.error) throw new Error(`${bundle}: ${parsed.error}`);
  return parsed;
}

export async function run(args: string[]): Promise<void> {
  const runsArg = args.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 7;
  // This checkout's test services (free ports of its own), not whatever listens on the dev ports.
  const services = await startSet(await testServices());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: services.awsEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    KAFKA_BROKERS: services.kafkaBrokers,
    IONFLUX_BACKEND: 'aws',
    IONFLUX_RESOURCE_PREFIX: 'bench',
    IONFLUX_SECRET_ROOT: 'bench/ionflux',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
  // Provision the bench's tables and queues in moto with the same code the local runtime uses.
  Object.assign(process.env, env);
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  const { provisionAll } = await import('../local/provision');
  const { resetEnvironment } = await import('../shared/runtime/per-environment');
  await provisionAll();
  const samples = await sampleEvents();

  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const hello = path.join(work, 'hello.ts');
  fs.writeFileSync(hello, "export const handler = async () => ({ statusCode: 200, body: 'hello' });\n");

  const targets: Array<{ id: string; entry: string; event: unknown }> = [
    { id: '(hello-world)', entry: hello, event: {} },
    ...functions.map((spec) => ({ id: spec.id, entry: path.join(root, spec.entry), event: samples.events[spec.id] ?? defaultEvent(spec) })),
  ];
  const measured: Array<{ id: string; bytes: number; samples: ColdStart[] }> = [];
  for (const target of targets) {
    const dir = path.join(work, target.id.replace(/[^a-z0-9-]/gi, '_'));
    fs.mkdirSync(dir, { recursive: true });
    const outfile = path.join(dir, 'index.js');
    await build(esbuildOptions(target.entry, outfile));
    const eventFile = path.join(dir, 'event.json');
    fs.writeFileSync(eventFile, JSON.stringify(target.event));
    measured.push({ id: target.id, bytes: fs.statSync(outfile).size, samples: [] });
  }
  // Interleave the runs (hello, f1, f2, …, hello, f1, …) so machine noise hits every function alike.
  for (let i = 0; i < runs; i++) {
    for (const m of measured) {
      const dir = path.join(work, m.id.replace(/[^a-z0-9-]/gi, '_'));
      m.samples.push(await coldStart(path.join(dir, 'index.js'), path.join(dir, 'event.json'), env));
    }
  }
  await samples.stop();
  await resetEnvironment();
  const helloInit = median(measured[0]!.samples.map((s) => s.totalMs));
  const rows: Row[] = measured.map((m) => {
    const initMs = median(m.samples.map((s) => s.totalMs));
    const ratio = initMs / helloInit;
    const ok = m.bytes <= SIZE_GOAL && ratio <= INIT_GOAL_RATIO;
    return {
      id: m.id,
      bytes: m.bytes,
      initMs,
      loadMs: median(m.samples.map((s) => s.loadMs)),
      invokeMs: median(m.samples.map((s) => s.invokeMs)),
      ratio,
      status: ok ? 'ok' : [m.bytes > SIZE_GOAL ? 'size' : '', ratio > INIT_GOAL_RATIO ? 'init' : ''].filter(Boolean).join('+') + ' over goal',
    };
  });
  printTable(
    `Bundles and cold init (median of ${runs} fresh processes; goal ≤ ${SIZE_GOAL / 1024} KB and ≤ ${INIT_GOAL_RATIO}× hello-world)`,
    ['function', 'bundle KB', 'init ms', 'load ms', 'invoke ms', '× hello', 'goal'],
    rows.map((r) => [r.id, (r.bytes / 1024).toFixed(1), r.initMs.toFixed(1), r.loadMs.toFixed(1), r.invokeMs.toFixed(1), r.ratio.toFixed(2), r.status]),
  );
  const file = writeResults('bundles', { runs, goals: { maxBytes: SIZE_GOAL, maxInitRatio: INIT_GOAL_RATIO }, helloInitMs: helloInit, functions: rows });
  console.log(`\nwrote ${path.relative(root, file)}`);
}

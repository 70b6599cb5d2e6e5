/**
 * `npm run bench -- bundles [--runs N] [--sdk bundled|runtime]`: for every function of the manifest, the
 * esbuild bundle exactly as CDK ships it (minified, names kept, source map beside it) and its cold-init time
 * — a fresh Node process loads the bundle and runs one invocation against local services (moto, the Kafka
 * broker) — next to two baselines bundled the same way, in one run:
 * - **hello-AWS**: a minimal handler making one DynamoDB GetItem with the AWS SDK v3 (the yardstick);
 * - hello-world: a handler that does nothing (context: what Node itself costs).
 * Goals (ratios within the run): a function without Kafka or an LLM SDK ≤ 1.5× hello-AWS, one whose bundle
 * holds kafkajs or an LLM provider's SDK (openai, Anthropic) ≤ 2×; our own code (esbuild metafile, inputs outside node_modules) ≤ 150 KB per bundle.
 * `--sdk runtime` measures the alternative of leaving `@aws-sdk/*` to the Lambda runtime (external), the
 * baselines included: how the choice in infra/constructs/manifest-function.ts was made.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { functions } from '../functions/manifest';
import { type FunctionSpec, isHttp, isKafka, isSchedule, isSns, isSqs } from '../functions/manifest-types';
import { bundlingOptions } from '../infra/constructs/manifest-function';
import { buildHttpApiEvent } from '../local/api-gateway-event';
import { scheduledEvent, sqsEvent } from '../local/aws-events';
import { startSet, testServices } from '../scripts/services/service-sets';
import { physicalName } from '../shared/config/resources';
import { median, printTable, writeResults } from './report';
import { sampleEvents } from './samples';

const root = path.resolve(__dirname, '..');
const execFileAsync = promisify(execFile);
const work = path.join(root, '.tmp', 'bench-bundles');
/** Our own code (outside node_modules) per bundle. */
export const OWN_CODE_GOAL = 150 * 1024;
/** Cold init, × hello-AWS: functions without Kafka or an LLM SDK, and those with. */
export const INIT_GOAL_RATIO = 1.5;
export const HEAVY_INIT_GOAL_RATIO = 2;

export type SdkMode = 'bundled' | 'runtime';

/** The esbuild options CDK's NodejsFunction derives from our bundling options (`runtime`: AWS SDK left external). */
export function esbuildOptions(entry: string, outfile: string, sdk?: SdkMode): BuildOptions {
  const external = [...(bundlingOptions.externalModules ?? [])].filter((m) => sdk !== 'bundled' || m !== '@aws-sdk/*');
  if (sdk === 'runtime' && !external.includes('@aws-sdk/*')) external.push('@aws-sdk/*');
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    minify: bundlingOptions.minify ?? false,
    keepNames: bundlingOptions.keepNames ?? false,
    sourcemap: bundlingOptions.sourceMap ? 'external' : false,
    sourcesContent: bundlingOptions.sourcesContent ?? true,
    target: bundlingOptions.target ?? 'node24',
    format: 'cjs',
    mainFields: [...(bundlingOptions.mainFields ?? [])],
    ...(typeof bundlingOptions.esbuildArgs?.['--conditions'] === 'string' ? { conditions: bundlingOptions.esbuildArgs['--conditions'].split(',') } : {}),
    ...(bundlingOptions.define ? { define: { ...bundlingOptions.define } } : {}),
    external,
    metafile: true,
    logLevel: 'error',
  };
}

/** Bytes of the output that come from our own files (not node_modules), by the esbuild metafile. */
export function ownCodeBytes(metafile: Metafile): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (!input.includes('node_modules/')) bytes += bytesInOutput;
  }
  return bytes;
}

/** Kafka (kafkajs) or an LLM provider SDK in the bundle (by its metafile): the 2× goal. */
const HEAVY_PACKAGES = ['kafkajs', 'openai', '@anthropic-ai/sdk'];
export const isHeavy = (metafile: Metafile): boolean =>
  Object.values(metafile.outputs).some((output) => Object.keys(output.inputs).some((input) => HEAVY_PACKAGES.some((p) => input.includes(`node_modules/${p}/`))));

const HELLO_WORLD = "export const handler = async () => ({ statusCode: 200, body: 'hello' });\n";
const HELLO_AWS = `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});

export const handler = async () => {
  const out = await client.send(new GetItemCommand({ TableName: process.env.HELLO_AWS_TABLE, Key: { pk: { S: 'hello' } } }));
  return { statusCode: 200, body: JSON.stringify(out.Item ?? null) };
};
`;

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
  kind: 'baseline' | 'light' | 'heavy';
  bytes: number;
  ownBytes: number;
  initMs: number;
  loadMs: number;
  invokeMs: number;
  ratio: number;
  ratioHelloWorld: number;
  /** CPU time (user + system) of the process until the invocation answered. */
  cpuMs: number;
  cpuRatio: number;
  status: string;
}

type ColdStart = { loadMs: number; invokeMs: number; totalMs: number; cpuMs: number; status?: number };

/** Asynchronous, so the provider fakes in this process keep answering the child. */
async function coldStart(bundle: string, eventFile: string, env: NodeJS.ProcessEnv): Promise<ColdStart> {
  const { stdout: out } = await execFileAsync(process.execPath, [path.join(__dirname, 'cold-init-child.cjs'), bundle, eventFile], { env, encoding: 'utf8', cwd: path.dirname(bundle) });
  const last = out.trim().split('\n').pop()!;
  const parsed = JSON.parse(last) as ColdStart & { error?: string };
  if (parsed.error) throw new Error(`${bundle}: ${parsed.error}`);
  return parsed;
}

interface Measured {
  id: string;
  kind: Row['kind'];
  sdk: SdkMode;
  dir: string;
  bytes: number;
  ownBytes: number;
  samples: ColdStart[];
}

function rowsOf(measured: Measured[]): Row[] {
  const helloAwsInit = median(measured.find((m) => m.id === '(hello-AWS)')!.samples.map((s) => s.totalMs));
  const helloWorldInit = median(measured.find((m) => m.id === '(hello-world)')!.samples.map((s) => s.totalMs));
  const helloAwsCpu = median(measured.find((m) => m.id === '(hello-AWS)')!.samples.map((s) => s.cpuMs));
  return measured.map((m) => {
    const initMs = median(m.samples.map((s) => s.totalMs));
    const cpuMs = median(m.samples.map((s) => s.cpuMs));
    const ratio = initMs / helloAwsInit;
    const goal = m.kind === 'heavy' ? HEAVY_INIT_GOAL_RATIO : INIT_GOAL_RATIO;
    const over = m.kind === 'baseline' ? [] : [m.ownBytes > OWN_CODE_GOAL ? 'own code' : '', ratio > goal ? 'init' : ''].filter(Boolean);
    return {
      id: m.id,
      kind: m.kind,
      bytes: m.bytes,
      ownBytes: m.ownBytes,
      initMs,
      loadMs: median(m.samples.map((s) => s.loadMs)),
      invokeMs: median(m.samples.map((s) => s.invokeMs)),
      ratio,
      ratioHelloWorld: initMs / helloWorldInit,
      cpuMs,
      cpuRatio: cpuMs / helloAwsCpu,
      status: m.kind === 'baseline' ? '' : over.length ? `${over.join('+')} over goal` : `ok (≤ ${goal}×)`,
    };
  });
}

function printRows(sdk: SdkMode, runs: number, rows: Row[]): void {
  printTable(
    `Bundles and cold init, AWS SDK ${sdk === 'bundled' ? 'bundled' : 'from the Lambda runtime'} (median of ${runs} fresh processes; goals: ≤ ${INIT_GOAL_RATIO}× hello-AWS, Kafka/LLM ≤ ${HEAVY_INIT_GOAL_RATIO}×, own code ≤ ${OWN_CODE_GOAL / 1024} KB)`,
    ['function', 'bundle KB', 'own KB', 'init ms', 'load ms', 'invoke ms', '× hello-AWS', '× hello-world', 'CPU ms', 'CPU × hello-AWS', 'goal'],
    rows.map((r) => [
      r.id,
      (r.bytes / 1024).toFixed(1),
      (r.ownBytes / 1024).toFixed(1),
      r.initMs.toFixed(1),
      r.loadMs.toFixed(1),
      r.invokeMs.toFixed(1),
      r.ratio.toFixed(2),
      r.ratioHelloWorld.toFixed(2),
      r.cpuMs.toFixed(1),
      r.cpuRatio.toFixed(2),
      r.status,
    ]),
  );
  const met = rows.filter((r) => r.kind !== 'baseline' && r.status.startsWith('ok')).length;
  console.log(`${met} of ${rows.filter((r) => r.kind !== 'baseline').length} functions meet their goals.`);
}

export async function run(args: string[]): Promise<void> {
  const runsArg = args.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 7;
  const sdkArg = args.indexOf('--sdk');
  const shipped: SdkMode = (bundlingOptions.externalModules ?? []).includes('@aws-sdk/*') ? 'runtime' : 'bundled';
  const sdkChoice = sdkArg >= 0 ? args[sdkArg + 1] : shipped;
  if (sdkChoice !== 'bundled' && sdkChoice !== 'runtime' && sdkChoice !== 'both') throw new Error('--sdk takes bundled, runtime or both');
  const modes: SdkMode[] = sdkChoice === 'both' ? ['bundled', 'runtime'] : [sdkChoice];
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
    HELLO_AWS_TABLE: physicalName('bench', 'workspaces'),
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
  const helloWorld = path.join(work, 'hello-world.ts');
  fs.writeFileSync(helloWorld, HELLO_WORLD);
  const helloAws = path.join(work, 'hello-aws.ts');
  fs.writeFileSync(helloAws, HELLO_AWS);

  const targets: Array<{ id: string; kind: Row['kind']; entry: string; event: unknown }> = [
    { id: '(hello-AWS)', kind: 'baseline', entry: helloAws, event: {} },
    { id: '(hello-world)', kind: 'baseline', entry: helloWorld, event: {} },
    ...functions.map((spec) => ({
      id: spec.id,
      kind: 'light' as const, // or heavy: decided from the bundle's metafile below
      entry: path.join(root, spec.entry),
      event: samples.events[spec.id] ?? defaultEvent(spec),
    })),
  ];
  const measured: Measured[] = [];
  for (const target of targets) {
    for (const sdk of modes) {
      const dir = path.join(work, sdk, target.id.replace(/[^a-z0-9-]/gi, '_'));
      fs.mkdirSync(dir, { recursive: true });
      const outfile = path.join(dir, 'index.js');
      const result = await build(esbuildOptions(target.entry, outfile, sdk));
      fs.writeFileSync(path.join(dir, 'event.json'), JSON.stringify(target.event));
      const kind = target.kind === 'baseline' ? 'baseline' : isHeavy(result.metafile!) ? 'heavy' : 'light';
      measured.push({ id: target.id, kind, sdk, dir, bytes: fs.statSync(outfile).size, ownBytes: ownCodeBytes(result.metafile!), samples: [] });
    }
  }
  // Interleave the runs (hello, f1, f2, …, hello, f1, …; both SDK modes side by side) so machine noise
  // hits every function alike.
  for (let i = 0; i < runs; i++) {
    for (const m of measured) m.samples.push(await coldStart(path.join(m.dir, 'index.js'), path.join(m.dir, 'event.json'), env));
  }
  await samples.stop();
  await resetEnvironment();

  const bySdk = Object.fromEntries(modes.map((sdk) => [sdk, rowsOf(measured.filter((m) => m.sdk === sdk))])) as Partial<Record<SdkMode, Row[]>>;
  for (const sdk of modes) printRows(sdk, runs, bySdk[sdk]!);
  if (bySdk.bundled && bySdk.runtime) {
    const runtime = new Map(bySdk.runtime.map((r) => [r.id, r]));
    printTable(
      'Bundled vs from the runtime: cold init of the same function in the same run',
      ['function', 'bundled ms', 'runtime ms', 'runtime / bundled', 'bundled CPU ms', 'runtime CPU ms', 'CPU runtime / bundled'],
      bySdk.bundled.map((r) => {
        const other = runtime.get(r.id)!;
        return [r.id, r.initMs.toFixed(1), other.initMs.toFixed(1), (other.initMs / r.initMs).toFixed(2), r.cpuMs.toFixed(1), other.cpuMs.toFixed(1), (other.cpuMs / r.cpuMs).toFixed(2)];
      }),
    );
    const functionsOnly = bySdk.bundled.filter((r) => r.kind !== 'baseline');
    console.log(
      `median runtime / bundled over the functions: ${median(functionsOnly.map((r) => runtime.get(r.id)!.initMs / r.initMs)).toFixed(2)} (wall), ${median(functionsOnly.map((r) => runtime.get(r.id)!.cpuMs / r.cpuMs)).toFixed(2)} (CPU)`,
    );
  }
  const file = writeResults(sdkChoice === 'both' ? 'bundles-both' : 'bundles', {
    runs,
    sdk: sdkChoice,
    shipped,
    goals: { maxOwnBytes: OWN_CODE_GOAL, maxInitRatio: INIT_GOAL_RATIO, maxHeavyInitRatio: HEAVY_INIT_GOAL_RATIO },
    modes: Object.fromEntries(
      modes.map((sdk) => {
        const rows = bySdk[sdk]!;
        return [sdk, { helloAwsInitMs: rows[0]!.initMs, helloWorldInitMs: rows[1]!.initMs, functions: rows }];
      }),
    ),
  });
  console.log(`\nwrote ${path.relative(root, file)}`);
}

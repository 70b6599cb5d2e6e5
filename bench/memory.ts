/**
 * `npm run bench -- memory [--records 100000] [--concurrency 4] [--queries 200]`
 *
 * 1. Upsert throughput: `--records` 384-d records (JSON values with 6 decimals, a little metadata)
 *    through the upsert route handler (payload 2.0 events in process: validation, checks, 2 MB batching,
 *    pacing, the v9 SDK, the usage event to the outbox) vs the v9 SDK alone (batches of 500, the most
 *    that fit Pinecone's 2 MB), against the same fake Pinecone in its own process (`ionflux dev fake
 *    pinecone`). Rounds
 *    alternate between the two (noise hits both); each round writes its own namespace; the fake's and the
 *    pacer's per-namespace rate limits are off so the comparison measures our own cost. Goal: ratio ≥ 0.9.
 * 2. Embedded store (the `npm run dev` default): query latency at 10k and 100k records of 384-d — exact
 *    search — through the query route handler and the store alone, p50/p99, unfiltered and filtered;
 *    and how long a fresh process takes to load 100k records from disk.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pinecone, type PineconeRecord } from '@pinecone-database/pinecone';
import { buildHttpApiEvent } from '../local/api-gateway-event';
import { lambdaContext } from '../local/lambda-context';
import { resetEnvironment } from '../shared/runtime/per-environment';
import { median, percentile, printTable, writeResults } from './report';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

const KEY = 'pcsk-bench-memory';
const INDEX = 'bench-384';
const DIM = 384;
const WORKSPACE = 'bench';

function arg(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

/** Deterministic 384-d values with 6 decimals (what a JSON client typically sends). */
function vector(seed: number): number[] {
  const out = new Array<number>(DIM);
  let x = (seed * 2654435761) % 2147483648;
  for (let i = 0; i < DIM; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out[i] = Math.round(((x / 2147483648) * 2 - 1) * 1e6) / 1e6;
  }
  return out;
}

/** POST /v1/memory/workspaces/bench/<route> as API Gateway delivers it. */
const routeEvent = (route: 'upsert' | 'query', body: string) =>
  buildHttpApiEvent({
    method: 'POST',
    rawPath: `/v1/memory/workspaces/${WORKSPACE}/${route}`,
    routeKey: `POST /v1/memory/workspaces/{workspace_id}/${route}`,
    pathParameters: { workspace_id: WORKSPACE },
    headers: { 'content-type': 'application/json' },
    body,
  });

const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: `doc-${from + i}`, values: vector(from + i), metadata: { bucket: (from + i) % 10, source: 'bench' } }));

async function startFake(): Promise<{ child: ChildProcess; url: string }> {
  const root = path.join(__dirname, '..');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'ionflux.cjs'), 'dev', 'fake', 'pinecone', '--port', '0', '--api-key', KEY, '--index', `${INDEX}:${DIM}`, '--rps', '0', '--mbps', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /fake pinecone on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the fake exited (${code}): ${out}`)));
  });
  return { child, url };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function upsertThroughput(args: string[]) {
  const total = arg(args, '--records', 100_000);
  const concurrency = arg(args, '--concurrency', 4);
  const perCall = 1000;
  const rounds = 10;
  const perRound = Math.ceil(total / rounds / perCall) * perCall;
  const { child, url } = await startFake();
  try {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
    Object.assign(process.env, {
      IONFLUX_HOME: home,
      IONFLUX_VECTOR_STORE: 'pinecone',
      IONFLUX_VECTOR_INDEX: INDEX,
      IONFLUX_EMBEDDING_MODEL: 'all-minilm-l6-v2',
      IONFLUX_MEMORY_NAMESPACE_RPS: '0',
      IONFLUX_MEMORY_NAMESPACE_MBPS: '0',
    });
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.KAFKA_BROKERS;
    await resetEnvironment();
    const { secretStore } = await import('../shared/runtime/secrets');
    await secretStore().put('ionflux/platform/pinecone', JSON.stringify({ api_key: KEY, controller_host_url: url }));
    const { handler } = (await import('../functions/memory/upsert')) as unknown as { handler: Handler };

    const pc = new Pinecone({ apiKey: KEY, controllerHostUrl: url });
    const host = (await pc.indexes.describe(INDEX)).host;
    const sdkIndex = pc.index({ name: INDEX, host });

    const cpu = { route: 0, sdk: 0 };
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    const route = async (round: number, bodies: string[]) => {
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      await pool(bodies, concurrency, async (body) => {
        const result = await handler(routeEvent('upsert', body), lambdaContext('memory-upsert', 29, 1024));
        if (result.statusCode !== 200) throw new Error(`route round ${round}: ${result.statusCode} ${result.body.slice(0, 300)}`);
      });
      if (round >= 0) cpu.route += cpuMs(cpuStart);
      return performance.now() - started;
    };
    const sdk = async (round: number, batches: PineconeRecord[][]) => {
      const ns = sdkIndex.namespace(`sdk/round-${round}`);
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      // Each route call sends its two batches at once: the SDK gets twice the calls in flight.
      await pool(batches, concurrency * 2, async (batch) => {
        await ns.upsert({ records: batch });
      });
      if (round >= 0) cpu.sdk += cpuMs(cpuStart);
      return performance.now() - started;
    };

    // Warm-up: connections, JIT, the index's describe.
    await route(-1, [JSON.stringify({ resolved_namespace: 'warmup', records: records(0, perCall) })]);
    await sdk(-1, [records(0, 500)]);

    const routeMs: number[] = [];
    const sdkMs: number[] = [];
    let bodyBytes = 0;
    for (let round = 0; round < rounds; round++) {
      const base = round * perRound;
      const bodies = Array.from({ length: perRound / perCall }, (_, i) => JSON.stringify({ resolved_namespace: `route/round-${round}`, records: records(base + i * perCall, perCall) }));
      bodyBytes += bodies.reduce((n, b) => n + Buffer.byteLength(b), 0);
      const batches = Array.from({ length: perRound / 500 }, (_, i) => records(base + i * 500, 500));
      if (round % 2 === 0) {
        routeMs.push(await route(round, bodies));
        sdkMs.push(await sdk(round, batches));
      } else {
        sdkMs.push(await sdk(round, batches));
        routeMs.push(await route(round, bodies));
      }
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const done = perRound * rounds;
    const routeRate = done / (routeMs.reduce((a, b) => a + b, 0) / 1000);
    const sdkRate = done / (sdkMs.reduce((a, b) => a + b, 0) / 1000);
    const perRoundRatios = routeMs.map((ms, i) => sdkMs[i]! / ms);
    return {
      records: done,
      dimension: DIM,
      concurrency,
      recordsPerRouteCall: perCall,
      meanRouteBodyBytes: Math.round(bodyBytes / (done / perCall)),
      routeRecordsPerSecond: Math.round(routeRate),
      sdkRecordsPerSecond: Math.round(sdkRate),
      ratio: routeRate / sdkRate,
      /** CPU of this process (the fake runs in its own) per record: what each path costs, whatever the machine's load. */
      routeCpuUsPerRecord: (cpu.route * 1000) / done,
      sdkCpuUsPerRecord: (cpu.sdk * 1000) / done,
      roundRatios: { min: Math.min(...perRoundRatios), median: median(perRoundRatios), max: Math.max(...perRoundRatios) },
      goal: 0.9,
    };
  } finally {
    child.kill('SIGTERM');
  }
}

/** Where a route call's own CPU goes, per 1,000 records (each phase alone, median of 20). */
async function phases() {
  const { UpsertBodySchema } = await import('../shared/memory/contract');
  const { validate } = await import('../shared/http/json-body');
  const { checkRecords, toBatches } = await import('../shared/memory/records');
  const body = JSON.stringify({ resolved_namespace: 'p', records: records(0, 1000) });
  const index = { name: INDEX, dimension: DIM, metric: 'cosine' as const, ready: true, state: 'Ready' };
  const times: Record<string, number[]> = {};
  const time = <T>(name: string, fn: () => T): T => {
    const started = performance.now();
    const out = fn();
    (times[name] ??= []).push(performance.now() - started);
    return out;
  };
  for (let i = 0; i < 20; i++) {
    const parsed = time('JSON.parse of the request (3.7 MB)', () => JSON.parse(body) as unknown);
    const valid = time('schema', () => validate(parsed, UpsertBodySchema));
    const checked = time('record checks (ids, dimension, numbers, metadata)', () => checkRecords(valid.records, index));
    const batches = time('batching (sampled widths)', () => toBatches(checked.map((r) => ({ id: r.id, values: r.values!, ...(r.metadata ? { metadata: r.metadata } : {}) }))));
    time("the SDK's JSON.stringify of the batches", () => batches.map((b) => JSON.stringify({ vectors: b.records, namespace: 'ws_bench/p' })));
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

async function embeddedLatency(args: string[]) {
  const queries = arg(args, '--queries', 200);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-embedded-'));
  Object.assign(process.env, { IONFLUX_HOME: home, IONFLUX_VECTOR_STORE: 'embedded', IONFLUX_VECTOR_INDEX: INDEX, IONFLUX_EMBEDDING_MODEL: 'all-minilm-l6-v2' });
  await resetEnvironment();
  const { EmbeddedVectorStore } = await import('../shared/memory/embedded/embedded-store');
  const { workspaceNamespace } = await import('../shared/memory/namespaces');
  const dir = path.join(home, 'vectors');
  const store = new EmbeddedVectorStore({ dir, ensureIndex: { name: INDEX, dimension: DIM, metric: 'cosine' } });
  const index = (await store.describeIndex(INDEX))!;
  const sizes = [10_000, 100_000];
  const writeStarted = performance.now();
  for (const size of sizes) {
    const ns = workspaceNamespace(WORKSPACE, { resolved_namespace: `n${size}` });
    for (let from = 0; from < size; from += 1000) await store.upsert(index, ns, records(from, 1000));
  }
  const writeMs = performance.now() - writeStarted;

  // A fresh process would load the log from disk: a fresh store instance measures that.
  const fresh = new EmbeddedVectorStore({ dir });
  const loadStarted = performance.now();
  await fresh.query(index, workspaceNamespace(WORKSPACE, { resolved_namespace: 'n100000' }), { target: { vector: vector(7) }, topK: 1, includeMetadata: false, includeValues: false });
  const loadMs = performance.now() - loadStarted;

  const { handler } = (await import('../functions/memory/query')) as unknown as { handler: Handler };
  const rows: Array<Record<string, unknown>> = [];
  for (const size of sizes) {
    const ns = workspaceNamespace(WORKSPACE, { resolved_namespace: `n${size}` });
    for (const filtered of [false, true]) {
      const filter = filtered ? { bucket: { $eq: 3 } } : undefined;
      const storeMs: number[] = [];
      const storeCpuMs: number[] = [];
      const routeMs: number[] = [];
      for (let q = 0; q < queries + 10; q++) {
        const v = vector(1_000_000 + q);
        let t = performance.now();
        const c = process.cpuUsage();
        await fresh.query(index, ns, { target: { vector: v }, topK: 10, ...(filter ? { filter } : {}), includeMetadata: true, includeValues: false });
        if (q >= 10) {
          storeMs.push(performance.now() - t);
          const used = process.cpuUsage(c);
          storeCpuMs.push((used.user + used.system) / 1000);
        }
        const event = routeEvent('query', JSON.stringify({ resolved_namespace: `n${size}`, vector: v, top_k: 10, ...(filter ? { filter } : {}) }));
        const context = lambdaContext('memory-query', 29, 512);
        t = performance.now();
        const result = await handler(event, context);
        if (result.statusCode !== 200) throw new Error(`query: ${result.statusCode} ${result.body}`);
        if (q >= 10) routeMs.push(performance.now() - t);
      }
      rows.push({
        records: size,
        filter: filtered ? 'bucket = 3 (1 in 10)' : 'none',
        storeP50Ms: median(storeMs),
        storeP99Ms: percentile(storeMs, 99),
        storeCpuP50Ms: median(storeCpuMs),
        routeP50Ms: median(routeMs),
        routeP99Ms: percentile(routeMs, 99),
      });
    }
  }
  const bytes = fs.readdirSync(path.join(dir, INDEX, 'ns')).reduce((n, f) => n + fs.statSync(path.join(dir, INDEX, 'ns', f)).size, 0);
  return { dimension: DIM, metric: 'cosine', topK: 10, queries, writeMs, load100kMs: loadMs, diskBytes: bytes, rows };
}

export async function run(args: string[]): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const upsert = args.includes('--embedded-only') ? undefined : await upsertThroughput(args);
  const split = args.includes('--embedded-only') ? undefined : await phases();
  const embedded = args.includes('--upsert-only') ? undefined : await embeddedLatency(args);
  if (upsert) {
    printTable(`Upsert throughput, ${upsert.records.toLocaleString('en')} records × ${DIM}-d, fake Pinecone in its own process (records/s)`, ['path', 'records/s', 'ratio', 'goal'], [
      ['v9 SDK alone (batches of 500)', upsert.sdkRecordsPerSecond, '1.00', ''],
      [`upsert route (${upsert.recordsPerRouteCall} records/call, ${(upsert.meanRouteBodyBytes / 1e6).toFixed(1)} MB bodies, ${upsert.concurrency} at once)`, upsert.routeRecordsPerSecond, upsert.ratio.toFixed(2), `≥ 0.90 → ${upsert.ratio >= 0.9 ? 'met' : 'NOT met'}`],
      ['  per-round ratio min / median / max', '', `${upsert.roundRatios.min.toFixed(2)} / ${upsert.roundRatios.median.toFixed(2)} / ${upsert.roundRatios.max.toFixed(2)}`, ''],
    ]);
    if (split) printTable('Where a route call spends its own CPU, per 1,000 records (ms, median of 20)', ['phase', 'ms'], Object.entries(split).map(([k, v]) => [k, v.toFixed(1)]));
    console.log(`CPU of this process per record: route ${upsert.routeCpuUsPerRecord.toFixed(0)} µs, SDK alone ${upsert.sdkCpuUsPerRecord.toFixed(0)} µs (CPU ratio ${(upsert.sdkCpuUsPerRecord / upsert.routeCpuUsPerRecord).toFixed(2)})`);
  }
  if (embedded) {
    printTable(`Embedded store (exact search, ${DIM}-d cosine, top 10, ${embedded.queries} queries each; ms)`, ['records', 'filter', 'store p50', 'store p99', 'store CPU p50', 'route p50', 'route p99'], embedded.rows.map((r) => [
      (r.records as number).toLocaleString('en'),
      r.filter as string,
      (r.storeP50Ms as number).toFixed(2),
      (r.storeP99Ms as number).toFixed(2),
      (r.storeCpuP50Ms as number).toFixed(2),
      (r.routeP50Ms as number).toFixed(2),
      (r.routeP99Ms as number).toFixed(2),
    ]));
    console.log(`\n110,000 records written in ${(embedded.writeMs / 1000).toFixed(1)} s (${(embedded.diskBytes / 1e6).toFixed(0)} MB on disk); a fresh process loads the 100k namespace in ${embedded.load100kMs.toFixed(0)} ms`);
  }
  const file = writeResults('memory', { ...(upsert ? { upsert: { ...upsert, phasesMs: split } } : {}), ...(embedded ? { embedded } : {}) });
  console.log(`\nwrote ${file}`);
  await resetEnvironment();
  process.exit(0);
}

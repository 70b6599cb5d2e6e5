/**
 * `npm run bench -- email [--recipients 2000] [--rate 50] [--workers 4] [--runs 1] [--burst N]`: a bulk
 * send against the fake SES (the real `@aws-sdk/client-ses` through AWS_ENDPOINT_URL_SES) whose
 * GetSendQuota says MaxSendRate = `--rate`, and which refuses with `Throttling` whatever exceeds a token
 * bucket of `--burst` messages (default one second's worth, like SES) refilled at that rate.
 *
 * The batch is accepted in process (POST /v1/emails/send-bulk's service); `--workers` worker processes —
 * separate execution environments, like concurrent Lambdas — run the real email-bulk-worker handler on
 * the embedded email-bulk queue. They share nothing but the state folder: their sends are paced by the
 * one send-rate timeline (SQLite here, DynamoDB in AWS). Per run, from what the fake SES accepted:
 *   achieved rate / MaxSendRate   (N − 1) / (last − first accepted), goal 0.95–1.00
 *   throttling errors             sends the fake refused for the rate, goal 0
 *   recipients sent twice         goal 0 (and none lost)
 *   peak 1 s window               most messages accepted within any second (≤ MaxSendRate + 1 when even)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { provisionAll } from '../local/provision';
import { BulkEmailWorker } from '../shared/email/bulk-worker';
import { EmailDispatcher } from '../shared/email/dispatcher';
import { composeMime } from '../shared/email/mime';
import { SesQuota } from '../shared/email/providers/ses/quota';
import { SesTransport } from '../shared/email/providers/ses/transport';
import { SendRateTimeline } from '../shared/email/send-rate';
import { Cooldowns } from '../shared/llm/cooldown';
import { config } from '../shared/config/env';
import { bulkEmailService, bulkWorkerDeps, emailRetryPolicy, readSesSendQuota, sesClient } from '../shared/runtime/email';
import { queue } from '../shared/runtime/queues';
import { table } from '../shared/runtime/storage';
import { resetEnvironment } from '../shared/runtime/per-environment';
import { startSet, testServices } from '../scripts/services/service-sets';
import { FakeSes } from '../test/fakes/ses/fake-ses';
import { median, printTable, writeResults } from './report';

const root = path.resolve(__dirname, '..');

interface RunResult {
  run: number;
  recipients: number;
  accepted: number;
  unique: number;
  duplicates: number;
  lost: number;
  throttled: number;
  seconds: number;
  achieved_per_s: number;
  ratio: number;
  peak_1s: number;
  /** Sum of the gaps between accepted sends beyond one interval: rate left unused. */
  idle_ms: number;
  /** The machine's 1-minute load average before and after the run (other processes compete for its cores). */
  load_avg: string;
  /** The workers' timeline counters added up: slots reserved, handed out, discarded (stale), too late. */
  timeline: Record<string, number>;
  batch_status: string;
}

/** Most events within any window of `ms` (two pointers over sorted times). */
function peakWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= ms) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

type TimelineStats = Record<string, number>;

function startWorker(env: NodeJS.ProcessEnv, stats: TimelineStats[]): ChildProcess {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['--require', path.join(root, 'scripts', 'esm-only-packages.cjs'), path.join(root, 'bench', 'email-worker-child.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.once('exit', () => {
    for (const line of out.split('\n')) if (line.startsWith('{')) stats.push((JSON.parse(line) as { timeline: TimelineStats }).timeline);
  });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk.toString()}`));
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * `--mode in-process`: the workers share this process (one event loop) but nothing else in memory — each
 * has its own timeline instance, quota cache, transport and dispatcher, as separate Lambdas would — and
 * they meet only in the send-rate table. It shows the pacing itself where the machine is too busy for
 * several processes to keep up.
 */
function inProcessWorkers(count: number, stopAt: () => boolean, stats: TimelineStats[]): Array<Promise<void>> {
  const jobs = queue('email-bulk');
  return Array.from({ length: count }, async () => {
    const timeline = new SendRateTimeline(table('email-send-rate'), `ses:${config().aws.region}`);
    stats.push(timeline.stats);
    const transport = new SesTransport({
      client: sesClient,
      timeline,
      quota: new SesQuota(readSesSendQuota, { refreshMs: 300_000 }),
      rateShare: 1,
      compose: composeMime,
    });
    const worker = new BulkEmailWorker({ ...bulkWorkerDeps(), dispatcher: new EmailDispatcher({ route: async () => [transport], cooldowns: new Cooldowns(), policy: emailRetryPolicy }) });
    while (!stopAt()) {
      const [message] = await jobs.receive(1);
      if (!message) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const outcome = await worker.processChunk(JSON.parse(message.body), Date.now() + 290_000);
      if (outcome.kind === 'later') await jobs.release(message.receiptHandle, outcome.delayMs);
      else await jobs.delete(message.receiptHandle);
    }
  });
}

interface Options {
  /** `processes`: one process per worker (default); `in-process`: see inProcessWorkers. */
  mode: 'processes' | 'in-process';
  recipients: number;
  rate: number;
  workers: number;
  burst?: number;
  /** `moto`: DynamoDB and SQS over HTTP, as in AWS (default); `embedded`: SQLite and folder queues. */
  store: 'moto' | 'embedded';
}

async function oneRun(run: number, options: Options): Promise<RunResult> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-email-'));
  const loadBefore = os.loadavg()[0]!;
  const fake = await new FakeSes({ maxSendRate: options.rate, ...(options.burst ? { burst: options.burst } : {}) }).start();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    IONFLUX_HOME: home,
    IONFLUX_BACKEND: options.store === 'moto' ? 'aws' : 'embedded',
    IONFLUX_RESOURCE_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    ...(options.store === 'moto' ? { AWS_ENDPOINT_URL: (await startSet(await testServices())).awsEndpoint } : {}),
    IONFLUX_EMAIL_TRANSPORT: 'ses',
    IONFLUX_EMAIL_FAILOVER: 'none',
    IONFLUX_PUBLIC_BASE_URL: 'https://bench.ionflux.example',
    AWS_ENDPOINT_URL_SES: fake.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
  if (options.store === 'embedded') delete env.AWS_ENDPOINT_URL;
  delete env.KAFKA_BROKERS;
  Object.assign(process.env, env);
  if (options.store === 'embedded') delete process.env.AWS_ENDPOINT_URL;
  delete process.env.KAFKA_BROKERS;
  await resetEnvironment();
  await provisionAll();

  const workspace = 'bench';
  const { batch_id: batchId, total } = await bulkEmailService().create(
    {
      workspace_id: workspace,
      from: 'Bench <news@bench.example>',
      subject: 'Hello {{name}}',
      text: 'Dear {{name}}, this is message {{n}}.',
      html: '<p>Dear {{name}}, this is message <b>{{n}}</b>.</p>',
      category: 'marketing',
      recipients: Array.from({ length: options.recipients }, (_, i) => ({ to: `reader${i}@bench.example`, data: { name: `Reader ${i}`, n: i } })),
    },
    { publicBaseUrl: () => 'https://bench.ionflux.example' },
  );

  const stats: TimelineStats[] = [];
  const started = Date.now();
  const limitMs = (total / options.rate) * 3000 + 60_000;
  const finished = () => new Set(fake.messages.map((m) => m.destinations[0])).size >= total || Date.now() - started > limitMs;
  if (options.mode === 'in-process') {
    const cpu = process.cpuUsage();
    await Promise.all(inProcessWorkers(options.workers, finished, stats));
    const used = process.cpuUsage(cpu);
    stats.push({ cpuMs: Math.round((used.user + used.system) / 1000) });
  } else {
    const workers = Array.from({ length: options.workers }, () => startWorker(env, stats));
    try {
      while (!finished()) await new Promise((r) => setTimeout(r, 200));
    } finally {
      await Promise.all(workers.map(stopWorker));
    }
  }
  const times = fake.messages.map((m) => m.at).sort((a, b) => a - b);
  const interval = 1000 / options.rate;
  // Time the account's rate went unused: gaps between accepted sends beyond one interval.
  const idleMs = times.slice(1).reduce((idle, t, i) => idle + Math.max(0, t - times[i]! - interval), 0);
  const timeline = stats.reduce<TimelineStats>((sum, s) => ({ ...sum, ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, (sum[k] ?? 0) + v])) }), {});
  const unique = new Set(fake.messages.map((m) => m.destinations[0])).size;
  const seconds = times.length > 1 ? (times.at(-1)! - times[0]!) / 1000 : 0;
  const achieved = seconds > 0 ? (times.length - 1) / seconds : 0;
  const status = await bulkEmailService().status(batchId, workspace);
  await fake.close();
  fs.rmSync(home, { recursive: true, force: true });
  return {
    run,
    recipients: total,
    accepted: fake.messages.length,
    unique,
    duplicates: fake.messages.length - unique,
    lost: total - unique,
    throttled: fake.throttled.length,
    seconds: Number(seconds.toFixed(2)),
    achieved_per_s: Number(achieved.toFixed(2)),
    ratio: Number((achieved / options.rate).toFixed(3)),
    peak_1s: peakWindow(times, 1000),
    idle_ms: Math.round(idleMs),
    load_avg: `${loadBefore.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)}`,
    timeline,
    batch_status: `${status.status} (${status.sent} sent)`,
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      recipients: { type: 'string', default: '2000' },
      rate: { type: 'string', default: '50' },
      workers: { type: 'string', default: '4' },
      runs: { type: 'string', default: '1' },
      burst: { type: 'string' },
      store: { type: 'string', default: 'moto' },
      mode: { type: 'string', default: 'processes' },
    },
  });
  if (values.mode !== 'processes' && values.mode !== 'in-process') throw new Error('--mode must be processes or in-process');
  if (values.store !== 'moto' && values.store !== 'embedded') throw new Error('--store must be moto or embedded');
  const options: Options = {
    mode: values.mode,
    store: values.store,
    recipients: Number(values.recipients),
    rate: Number(values.rate),
    workers: Number(values.workers),
    ...(values.burst ? { burst: Number(values.burst) } : {}),
  };
  const runs = Number(values.runs);
  console.log(
    `bulk email: ${options.recipients} recipients, MaxSendRate ${options.rate}/s, ${options.workers} workers (${options.mode}), ${runs} run(s); burst ${options.burst ?? options.rate}; stores: ${options.store}; ${os.cpus().length} cores`,
  );
  const results: RunResult[] = [];
  for (let i = 1; i <= runs; i++) results.push(await oneRun(i, options));
  printTable(
    `Bulk send against the fake SES (goal: ratio 0.95–1.00, 0 throttled, 0 sent twice, 0 lost)`,
    ['run', 'recipients', 'accepted', 'sent twice', 'lost', 'throttled', 'seconds', 'achieved/s', 'ratio', 'peak 1 s', 'idle ms', 'load avg', 'batch'],
    results.map((r) => [r.run, r.recipients, r.accepted, r.duplicates, r.lost, r.throttled, r.seconds, r.achieved_per_s, r.ratio, r.peak_1s, r.idle_ms, r.load_avg, r.batch_status]),
  );
  printTable(
    'The shared timeline, all workers together (reserved = handed out + discarded + unused)',
    ['run', 'reservations', 'reserved', 'handed out', 'discarded (stale)', 'too late', 'overslept', 'idle resets', 'worker CPU ms/msg'],
    results.map((r) => [
      r.run,
      r.timeline.reservations ?? 0,
      r.timeline.reserved ?? 0,
      r.timeline.handedOut ?? 0,
      r.timeline.discarded ?? 0,
      r.timeline.tooLate ?? 0,
      r.timeline.overslept ?? 0,
      r.timeline.idleResets ?? 0,
      ((r.timeline.cpuMs ?? 0) / Math.max(1, r.accepted)).toFixed(2),
    ]),
  );
  const ratios = results.map((r) => r.ratio);
  if (runs > 1) console.log(`\nratio: median ${median(ratios).toFixed(3)}, min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}`);
  const file = writeResults('email', { options, runs: results, ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } });
  console.log(`\nwritten to ${path.relative(root, file)}`);
  await resetEnvironment();
}

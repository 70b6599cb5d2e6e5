/**
 * `npm run bench -- whatsapp [--messages 2000] [--mps 80] [--senders 2] [--control 300] [--runs 1]`:
 * pacing of one phone number across concurrent senders. `--senders` send services run at the same time,
 * each in its own process as Lambda environments run on their own machines (bench/whatsapp-sender.ts):
 * its own pacer, its own DynamoDB client on the one pacing table (moto), its messages sent one after the
 * other as a Lambda environment serves requests. Together they send `--messages` text messages from one
 * number to the fake Graph API (test/fakes/whatsapp, in this process), which answers `130429 Rate limit
 * hit` whenever the number goes above `--mps` (a token bucket with a burst allowance of mps/8 for
 * jitter). The other stores (connections, consent, windows) are in each sender's memory: what is
 * measured is the pacing.
 *
 * `--latency <ms>` makes the fake answer every call that much later (Meta takes ~100–300 ms): with more
 * `--senders`, the realistic shape. `--compare` adds, per run, the same messages with the pacer always
 * leasing full blocks (no fitting to the sender's speed), to show what the fitting is for.
 *
 * Reported per run: achieved rate / configured rate, measured at the fake from the first to the last
 * accepted send (goal 0.95–1.00); the 130429 answers (goal 0); the most sends the fake saw in any 1-second
 * window; pacing writes per message; leased positions that passed unused (a sender was held up past the
 * late tolerance); the time a send spends outside its pacing wait; the senders' event-loop delay (on a
 * shared machine, CPU starvation is what costs rate). The control row (`--control N`, 0 to skip) sends
 * N messages through the same senders with pacing off: its 130429 answers show the fake's limit bites.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { physicalName } from '../shared/config/resources';
import { startSet, testServices } from '../scripts/services/service-sets';
import { FakeGraph } from '../test/fakes/whatsapp/fake-graph';
import { median, percentile, printTable, writeResults } from './report';
import type { PacingMode, SenderConfig, SenderResult } from './whatsapp-sender';

const WORKSPACE = 'bench_wa';
const WABA = '102290129300001';
const RECIPIENTS = Array.from({ length: 50 }, (_, i) => `55119876${String(50_000 + i)}`);

interface RunResult {
  label: string;
  messages: number;
  accepted: number;
  failed: number;
  ratio: number;
  achievedMps: number;
  throttled: number;
  maxPerSecond: number;
  writesPerMessage: number;
  dropped: number;
  outsideP50Ms: number;
  outsideP99Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  wallS: number;
  errors: string[];
}

/** The most accepted sends within any 1-second window (at the fake). */
function maxInOneSecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

class Sender {
  private readonly child: ChildProcess;
  private waiting?: { resolve: (value: unknown) => void; reject: (error: Error) => void };

  constructor() {
    this.child = fork(path.join(__dirname, 'whatsapp-sender.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: { type: string; message?: string; result?: SenderResult }) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (message.type === 'error') waiting?.reject(new Error(message.message));
      else waiting?.resolve(message.result);
    });
  }

  private ask<T>(command: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting = { resolve: resolve as (value: unknown) => void, reject };
      this.child.send(command as object);
    });
  }

  setup(config: SenderConfig): Promise<void> {
    return this.ask({ type: 'setup', config });
  }

  run(from: number, count: number, mode: PacingMode): Promise<SenderResult> {
    return this.ask({ type: 'run', from, count, mode });
  }

  stop(): void {
    this.child.disconnect();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      messages: { type: 'string', default: '2000' },
      mps: { type: 'string', default: '80' },
      senders: { type: 'string', default: '2' },
      control: { type: 'string', default: '300' },
      runs: { type: 'string', default: '1' },
      latency: { type: 'string', default: '0' },
      compare: { type: 'boolean', default: false },
    },
  });
  const messages = Number(values.messages);
  const mps = Number(values.mps);
  const senderCount = Number(values.senders);
  const { awsEndpoint } = await startSet(await testServices());
  Object.assign(process.env, { AWS_ENDPOINT_URL: awsEndpoint, AWS_REGION: 'us-east-1', IONFLUX_BACKEND: 'aws', IONFLUX_RESOURCE_PREFIX: 'bench-wa' });
  const { provisionTables } = await import('../local/provision');
  await provisionTables();

  const fake = await new FakeGraph({ mps, latencyMs: Number(values.latency) }).start();
  const token = fake.systemToken();
  const senders = Array.from({ length: senderCount }, () => new Sender());
  const results: RunResult[] = [];
  try {
    for (let r = 0; r < Number(values.runs); r++) {
      // A fresh number per run: its pacing items and the fake's bucket start empty.
      const phone = `1065403522${String(Date.now()).slice(-5)}`;
      fake.addNumber(phone, WABA, { mps });
      const config: SenderConfig = {
        workspace: WORKSPACE,
        phone,
        waba: WABA,
        mps,
        recipients: RECIPIENTS,
        platformSecret: JSON.stringify({ app_secret: fake.appSecret, verify_token: 'bench', access_token: token, base_url: fake.url }),
        awsEndpoint,
        pacingTable: physicalName('bench-wa', 'whatsapp-numbers'),
      };
      await Promise.all(senders.map((s) => s.setup(config)));

      const once = async (label: string, count: number, mode: PacingMode): Promise<RunResult> => {
        const sentBefore = fake.sent.length;
        const throttledBefore = fake.throttled;
        const started = performance.now();
        const share = Math.ceil(count / senders.length);
        const parts = await Promise.all(senders.map((s, i) => s.run(i * share, Math.max(0, Math.min(share, count - i * share)), mode)));
        const wallS = (performance.now() - started) / 1000;
        const times = fake.sent.slice(sentBefore).map((s) => s.at);
        const achievedMps = times.length > 1 ? (times.length - 1) / ((Math.max(...times) - Math.min(...times)) / 1000) : 0;
        const outside = parts.flatMap((p) => p.outside);
        return {
          label,
          messages: count,
          accepted: times.length,
          failed: parts.reduce((n, p) => n + p.failed, 0),
          ratio: achievedMps / mps,
          achievedMps,
          throttled: fake.throttled - throttledBefore,
          maxPerSecond: maxInOneSecond(times),
          writesPerMessage: parts.reduce((n, p) => n + p.stats.writes, 0) / count,
          dropped: parts.reduce((n, p) => n + p.stats.dropped, 0),
          outsideP50Ms: median(outside),
          outsideP99Ms: percentile(outside, 99),
          loopDelayP99Ms: Math.max(...parts.map((p) => p.loopDelayP99Ms)),
          loopDelayMaxMs: Math.max(...parts.map((p) => p.loopDelayMaxMs)),
          wallS,
          errors: parts.flatMap((p) => p.errors),
        };
      };
      // Warm-up: connections to the fake and to DynamoDB, code paths compiled; then a pause so the fake's bucket refills.
      await once('warm-up', 40, 'adaptive');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      results.push(await once(`paced #${r + 1}, ${senderCount} senders`, messages, 'adaptive'));
      if (values.compare) {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        results.push(await once(`fixed blocks #${r + 1} (comparison)`, messages, 'fixed'));
      }
      if (Number(values.control) > 0 && r === Number(values.runs) - 1) {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        results.push(await once(`unpaced (control), ${senderCount} senders`, Number(values.control), 'off'));
      }
    }
  } finally {
    for (const s of senders) s.stop();
    await fake.stop();
  }

  printTable(
    `WhatsApp pacing: one number at ${mps} msg/s, ${senderCount} sender processes, pacing table on DynamoDB (moto), Meta answering in ${values.latency} ms`,
    ['run', 'messages', 'accepted', 'failed', 'achieved/configured', 'msg/s', '130429 answers', 'max in 1 s', 'lease writes/msg', 'positions passed unused', 'outside wait p50 ms', 'p99 ms', 'loop delay p99 ms', 'max ms', 'wall s'],
    results.map((r) => [
      r.label,
      r.messages,
      r.accepted,
      r.failed,
      r.ratio.toFixed(3),
      r.achievedMps.toFixed(1),
      r.throttled,
      r.maxPerSecond,
      r.writesPerMessage.toFixed(2),
      r.dropped,
      r.outsideP50Ms.toFixed(1),
      r.outsideP99Ms.toFixed(1),
      r.loopDelayP99Ms.toFixed(1),
      r.loopDelayMaxMs.toFixed(1),
      r.wallS.toFixed(1),
    ]),
  );
  const paced = results.filter((r) => r.label.startsWith('paced'));
  const ratios = paced.map((r) => r.ratio);
  const met = paced.every((r) => r.ratio >= 0.95 && r.ratio <= 1.0);
  console.log(`\ngoal: achieved/configured 0.95–1.00 → ${ratios.map((x) => x.toFixed(3)).join(', ')} ${met ? 'met' : 'NOT met'}; 130429 answers 0 → ${paced.map((r) => r.throttled).join(', ')} ${paced.every((r) => r.throttled === 0) ? 'met' : 'NOT met'}`);
  for (const r of results) if (r.errors.length) console.log(`${r.label}: first errors: ${r.errors.slice(0, 3).join(' | ')}`);
  console.log(`results: ${writeResults('whatsapp', { mps, senders: senderCount, results })}`);
}

/**
 * One sender of `npm run bench -- whatsapp`, in its own process as a Lambda environment is its own
 * machine: the real SendService with its own pacer and its own DynamoDB client on the shared pacing
 * table, sending its messages one after the other. Driven over IPC by bench/whatsapp.ts.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ConnectionRegistry } from '../shared/connections/connection-registry';
import { SecretResolver } from '../shared/secrets/secret-resolver';
import type { SecretStore } from '../shared/secrets/secret-store';
import { dynamoDbClient } from '../shared/runtime/storage';
import { DynamoDbTable } from '../shared/storage/dynamodb-table';
import { MemoryTable } from '../shared/storage/memory-table';
import { WhatsAppAccounts } from '../shared/whatsapp/accounts';
import { GraphClient } from '../shared/whatsapp/graph-api/client';
import { MessageStore } from '../shared/whatsapp/message-store';
import { NumberStates } from '../shared/whatsapp/number-state';
import { OptInRegistry } from '../shared/whatsapp/opt-in-registry';
import { SendService } from '../shared/whatsapp/send-service';
import { type Lease, ThroughputPacer } from '../shared/whatsapp/throughput-pacer';
import { WorkspaceDirectory } from '../shared/workspaces/workspace-directory';

export interface SenderConfig {
  workspace: string;
  phone: string;
  waba: string;
  mps: number;
  recipients: string[];
  platformSecret: string;
  awsEndpoint: string;
  pacingTable: string;
}

export interface SenderResult {
  sent: number;
  failed: number;
  /** Per message: ms outside the pacing wait (checks, lease writes, the call to Meta, retry waits). */
  outside: number[];
  stats: ThroughputPacer['stats'];
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  errors: string[];
}

/** `adaptive`: the pacer as deployed; `fixed`: always full blocks (for comparison); `off`: no pacing (control). */
export type PacingMode = 'adaptive' | 'fixed' | 'off';

type Command = { type: 'setup'; config: SenderConfig } | { type: 'run'; from: number; count: number; mode: PacingMode };

let send: ((i: number, mode: PacingMode) => Promise<number>) | undefined;
let pacers: Record<'adaptive' | 'fixed', ThroughputPacer> | undefined;

async function setup(config: SenderConfig): Promise<void> {
  const store: SecretStore = { get: async () => config.platformSecret, put: async () => undefined, list: async () => [], delete: async () => undefined };
  const secrets = new SecretResolver({ store, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 3_600_000 });
  const connections = new ConnectionRegistry(new MemoryTable('connections'));
  await connections.connect('whatsapp', config.phone, config.workspace, { waba_id: config.waba, throughput_mps: config.mps });
  const messages = new MessageStore(new MemoryTable('whatsapp-messages'));
  for (const user of config.recipients) await messages.openWindow(config.phone, user, Date.now());
  // The environment's own DynamoDB client (shared client settings), pointed at the bench's moto.
  process.env.AWS_ENDPOINT_URL = config.awsEndpoint;
  const table = new DynamoDbTable(config.pacingTable, dynamoDbClient(), true);
  const active = (pacers = { adaptive: new ThroughputPacer(table), fixed: new ThroughputPacer(table, { adaptive: false }) });
  let mode: PacingMode = 'adaptive';
  let waited = 0;
  const leases = {
    acquire: async (phone: string, rate: number, latestAt: number): Promise<Lease> => {
      if (mode === 'off') return { at: Date.now(), slot: 0, position: 0 };
      const lease = await active[mode].lease(phone, rate, latestAt);
      const wait = lease.at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      waited += Math.max(0, wait);
      return lease;
    },
  };
  const service = new SendService({
    accounts: new WhatsAppAccounts({ connections, secrets }),
    graph: new GraphClient(),
    optIns: new OptInRegistry(new MemoryTable('opt-ins')),
    messages,
    numbers: new NumberStates(new MemoryTable('numbers')),
    pacer: leases,
    templates: { category: async () => undefined },
    publisher: { publish: async () => 'kafka' as const },
    vetLink: async () => undefined,
    source: 'bench-whatsapp',
  });
  send = async (i, runMode) => {
    mode = runMode;
    waited = 0;
    const t0 = performance.now();
    await service.send(config.workspace, { phone_number_id: config.phone, to: config.recipients[i % config.recipients.length]!, type: 'text', text: { body: `message ${i}` } }, { deadline: Date.now() + 29_000 });
    return performance.now() - t0 - waited;
  };
}

async function run(from: number, count: number, mode: PacingMode): Promise<SenderResult> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const pacer = pacers![mode === 'fixed' ? 'fixed' : 'adaptive'];
  const before = { ...pacer.stats };
  const result: SenderResult = { sent: 0, failed: 0, outside: [], stats: pacer.stats, loopDelayP99Ms: 0, loopDelayMaxMs: 0, errors: [] };
  for (let i = from; i < from + count; i++) {
    try {
      result.outside.push(await send!(i, mode));
      result.sent++;
    } catch (error) {
      result.failed++;
      if (result.errors.length < 5) result.errors.push((error as Error).message);
    }
  }
  loop.disable();
  result.stats = { writes: pacer.stats.writes - before.writes, leased: pacer.stats.leased - before.leased, dropped: pacer.stats.dropped - before.dropped };
  result.loopDelayP99Ms = loop.percentile(99) / 1e6;
  result.loopDelayMaxMs = loop.max / 1e6;
  return result;
}

process.on('message', (command: Command) => {
  const reply = (message: unknown) => process.send!(message);
  if (command.type === 'setup') setup(command.config).then(() => reply({ type: 'ready' }), (error: Error) => reply({ type: 'error', message: error.message }));
  else run(command.from, command.count, command.mode).then((result) => reply({ type: 'done', result }), (error: Error) => reply({ type: 'error', message: error.message }));
});
process.on('disconnect', () => process.exit(0));

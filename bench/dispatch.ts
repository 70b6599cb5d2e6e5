/**
 * `npm run bench -- dispatch [--registrations N] [--events N] [--batch N] [--rounds N] [--no-http]`: agent trigger
 * dispatch with 1,000 registrations in one workspace (goal: ≥ 20,000 events/s matched in process).
 *   1. index: building the workspace's trigger index from its registrations (once per cache TTL);
 *   2. match: `index.match` alone, event after event;
 *   3a. matched in process: MSK records decoded (base64, JSON, the PlatformEvent schema) and matched;
 *   3b. … and grouped per (agent, trigger), cut into invocations: all the dispatcher does before a call;
 *   4. dispatched: the real dispatcher handler on MSK batches of `--batch` records, invoking a fake
 *      AgentService over HTTP on 127.0.0.1 (signed with the standardwebhooks library, 16 calls in flight).
 * Each phase runs `--rounds` times; the table gives the median and the spread (min–max), and the rate per
 * CPU-second of this process (steadier than the wall clock on a shared machine; in phase 4 it includes the
 * fake AgentService, which runs in the same process).
 * Also: the cost of signing one invocation body with the standardwebhooks library against node:crypto.
 */
import { createHmac } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createDispatcherHandler } from '../functions/agents/dispatcher';
import { lambdaContext } from '../local/lambda-context';
import { AgentServiceClient, standardWebhookHeaders } from '../shared/agents/agent-service';
import { cutInvocations, matchRecords } from '../shared/agents/dispatcher';
import { defaultDispatchPolicy } from '../shared/agents/dispatch-policy';
import { type AgentRegistration, parseRegistration } from '../shared/agents/registration';
import { TriggerIndexCache } from '../shared/agents/registration-cache';
import { WorkspaceTriggerIndex } from '../shared/agents/trigger-index';
import { buildMskEvent, type MskEvent, type PlainRecord } from '../shared/events/msk-event';
import { decodeRecord } from '../shared/events/msk-consumer';
import { createPlatformEvent, type PlatformEvent } from '../shared/events/platform-event';
import { toBusMessage, withFanIn } from '../shared/events/publisher';
import { topics } from '../shared/events/topics';
import { FakeAgentService, newSigningSecret } from '../test/fakes/agent-service/fake-agent-service';
import { median, printTable, writeResults } from './report';

const WORKSPACE = 'bench_ws';

const option = (args: string[], name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

/** A deterministic pseudo-random sequence (the same registrations and events every run). */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FAMILIES: Array<{ prefix: string; types: string[]; topic: (i: number) => string }> = [
  { prefix: 'shopify.orders', types: ['created', 'updated', 'paid', 'cancelled', 'fulfilled', 'partially_fulfilled'], topic: () => topics.shopify(WORKSPACE, 'orders/create') },
  { prefix: 'shopify.products', types: ['created', 'updated', 'deleted'], topic: () => topics.shopify(WORKSPACE, 'products/update') },
  { prefix: 'shopify.customers', types: ['created', 'updated', 'deleted'], topic: () => topics.shopify(WORKSPACE, 'customers/create') },
  { prefix: 'shopify.inventory_levels', types: ['updated', 'connected'], topic: () => topics.shopify(WORKSPACE, 'inventory_levels/update') },
  { prefix: 'whatsapp.message', types: ['received', 'read', 'delivered', 'failed'], topic: () => topics.whatsappIncoming(WORKSPACE) },
  { prefix: 'tiktok.video', types: ['published', 'commented', 'liked'], topic: () => topics.tiktok(WORKSPACE, 'video') },
  { prefix: 'email', types: ['delivered', 'bounced', 'opened', 'clicked', 'complained'], topic: () => topics.emailDeliveryStatus() },
  { prefix: 'llm.usage', types: ['recorded'], topic: () => topics.platform('llm_usage') },
  { prefix: 'agent.lead', types: ['scored', 'enriched', 'qualified'], topic: (i) => topics.agentOutputs(`agent_${i % 50}`, WORKSPACE) },
  { prefix: 'agent.post', types: ['written', 'scheduled'], topic: (i) => topics.agentOutputs(`agent_${i % 50}`, WORKSPACE) },
];
const EVENT_TYPES = FAMILIES.flatMap((f) => f.types.map((t) => ({ type: `${f.prefix}.${t}`, family: f })));

/** 1..3 event_stream triggers per agent: exact types (most), a prefix (10 %), a topic (10 %), a payload filter (30 %). */
function registrations(count: number): AgentRegistration[] {
  const next = random(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const agentId = `agent_${i}`;
    const triggers = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
      const roll = next();
      const trigger: Record<string, unknown> = { type: 'event_stream' };
      if (roll < 0.1) trigger.event_types = [`${pick(FAMILIES).prefix}.*`];
      else if (roll < 0.2) {
        const other = Math.floor(next() * 50);
        trigger.topics = [topics.agentOutputs(`agent_${other === i ? (other + 1) % 50 : other}`, WORKSPACE)];
      }
      else trigger.event_types = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(EVENT_TYPES).type);
      if (next() < 0.3) trigger.filter = { 'data.total_price': { gte: Math.floor(next() * 200) }, 'data.currency': 'EUR' };
      return trigger;
    });
    // Own outputs on a type no trigger of this agent matches (the registration rules refuse self-triggers).
    const outputs = i < 50 ? [{ type: 'event', target_event_type: `agent.own_${i}.done` }] : [];
    return { workspace_id: WORKSPACE, agent_id: agentId, ...parseRegistration(WORKSPACE, agentId, { triggers_config_json_array: triggers, outputs_config_json_array: outputs }), created_at: '', updated_at: '', revision: 1 };
  });
}

function events(count: number): Array<{ event: PlatformEvent; topic: string }> {
  const next = random(7);
  return Array.from({ length: count }, (_, i) => {
    const { type, family } = EVENT_TYPES[Math.floor(next() * EVENT_TYPES.length)]!;
    const payload = { data: { id: i, total_price: (next() * 300).toFixed(2), currency: next() < 0.7 ? 'EUR' : 'USD', line_items: [{ sku: `SKU-${i % 97}`, quantity: 1 }], note: 'x'.repeat(400) } };
    return { event: createPlatformEvent({ idParts: ['bench', String(i)], eventType: type, workspaceId: WORKSPACE, source: 'bench', payload }), topic: family.topic(i) };
  });
}

/** The records the dispatcher reads: fan-in copies (with origin_topic) or the shared topic's own records. */
function records(list: Array<{ event: PlatformEvent; topic: string }>): PlainRecord[] {
  return list.map(({ event, topic }, i) => {
    const written = withFanIn([{ topic, key: String(i), event }]).map(toBusMessage);
    const message = written[written.length - 1]!;
    return { topic: message.topic, partition: i % 3, offset: i, timestamp: Date.now(), key: message.key, value: message.value, headers: message.headers };
  });
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
/** CPU time of this process in ms (user + system): on a shared machine, a rate per CPU-second is steadier than per wall-clock second. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const spread = (xs: number[]) => `${Math.min(...xs).toLocaleString('en')}–${Math.max(...xs).toLocaleString('en')}`;

export async function run(args: string[]): Promise<void> {
  const registrationCount = option(args, 'registrations', 1000);
  const eventCount = option(args, 'events', 20_000);
  const batchSize = option(args, 'batch', 500);
  const rounds = option(args, 'rounds', 5);
  const regs = registrations(registrationCount);
  const list = events(eventCount);
  const plain = records(list);
  const source = { clusterArn: 'arn:aws:kafka:bench:000000000000:cluster/bench/1', bootstrapServers: 'bench' };

  const results: Record<string, { perS: number[]; perCpuS: number[]; ms: number[]; extra?: Record<string, number> }> = {};
  let cpuStart = 0;
  const startCpu = () => {
    cpuStart = cpuMs();
  };
  const record = (name: string, perS: number, ms: number, extra?: Record<string, number>, count?: number) => {
    const cpu = cpuMs() - cpuStart;
    results[name] ??= { perS: [], perCpuS: [], ms: [] };
    results[name].perS.push(perS);
    results[name].perCpuS.push(count !== undefined && cpu > 0 ? rate(count, cpu) : NaN);
    results[name].ms.push(ms);
    if (extra) results[name].extra = extra;
  };

  // 1. index
  let index = new WorkspaceTriggerIndex(WORKSPACE, regs);
  for (let r = 0; r < rounds; r++) {
    startCpu();
    const t = performance.now();
    index = new WorkspaceTriggerIndex(WORKSPACE, regs);
    const ms = performance.now() - t;
    record('1. build the index (1 workspace)', rate(registrationCount, ms), ms, { triggers: index.triggers }, registrationCount);
  }

  // 2. match only
  for (let r = 0; r < rounds + 1; r++) {
    let matches = 0;
    startCpu();
    const t = performance.now();
    for (let i = 0; i < list.length; i++) {
      const rec = plain[i]!;
      matches += index.match(list[i]!.event, { origin: rec.headers.origin_topic ?? rec.topic, record: rec.topic }).length;
    }
    const ms = performance.now() - t;
    if (r > 0) record('2. match (index.match)', rate(eventCount, ms), ms, { matches_per_event: Math.round((matches / eventCount) * 10) / 10 }, eventCount);
  }

  // 3. in process: decode + validate + match + group + cut, in MSK batches.
  const cache = new TriggerIndexCache({ list: async () => regs }, { ttlMs: 3_600_000 });
  await cache.get(WORKSPACE);
  const batches: MskEvent[] = [];
  for (let i = 0; i < plain.length; i += batchSize) batches.push(buildMskEvent(plain.slice(i, i + batchSize), source));
  const dispatchRecordsOf = (batch: MskEvent) =>
    Object.values(batch.records)
      .flat()
      .map(decodeRecord)
      .map((c) => ({ event: c.event, raw: c.value, topic: c.topic, originTopic: c.headers.origin_topic ?? c.topic, partition: c.partition, offset: c.offset }));
  for (let r = 0; r < rounds + 1; r++) {
    let matches = 0;
    startCpu();
    const t = performance.now();
    for (const batch of batches) {
      const index = await cache.get(WORKSPACE);
      for (const d of dispatchRecordsOf(batch)) matches += index.match(d.event, { origin: d.originTopic, record: d.topic }).length;
    }
    const ms = performance.now() - t;
    if (r > 0) record(`3a. matched in process: decode, validate, match (batches of ${batchSize})`, rate(eventCount, ms), ms, { matches_per_event: Math.round((matches / eventCount) * 10) / 10 }, eventCount);
  }
  for (let r = 0; r < rounds + 1; r++) {
    let invocations = 0;
    startCpu();
    const t = performance.now();
    for (const batch of batches) {
      const { groups } = await matchRecords(dispatchRecordsOf(batch), cache);
      for (const g of groups) invocations += cutInvocations(g, defaultDispatchPolicy.maxBodyBytes).length;
    }
    const ms = performance.now() - t;
    if (r > 0) record(`3b. … and grouped, cut into invocations (ready to send)`, rate(eventCount, ms), ms, { invocations_per_batch: Math.round(invocations / batches.length) }, eventCount);
  }

  // 4. dispatched over HTTP to the fake AgentService.
  const secret = newSigningSecret();
  const http = !args.includes('--no-http');
  const fake = await new FakeAgentService({ secrets: [secret], record: false }).start();
  const client = new AgentServiceClient({ config: async () => ({ secretName: 'bench', baseUrl: fake.origin, signingSecret: secret }) });
  const handler = createDispatcherHandler(() => ({ indexes: cache, client, queue: { retryLater: async () => undefined, deadLetter: async () => undefined } }));
  const dispatchBatches = batches.slice(0, Math.max(1, Math.min(batches.length, Math.ceil(5000 / batchSize))));
  const dispatchEvents = dispatchBatches.reduce((n, b) => n + Object.values(b.records).flat().length, 0);
  try {
    for (let r = 0; http && r < Math.max(2, Math.ceil(rounds / 2)) + 1; r++) {
      const before = fake.delivered;
      startCpu();
      const t = performance.now();
      for (const batch of dispatchBatches) {
        const response = (await handler(batch, lambdaContext('agents-dispatcher', 120, 1024))) as { batchItemFailures: unknown[] };
        if (response.batchItemFailures.length) throw new Error('dispatch failed in the benchmark');
      }
      const ms = performance.now() - t;
      const calls = fake.delivered - before;
      if (r > 0) record(`4. dispatched: handler → HTTP → fake AgentService (${dispatchBatches.length} batches)`, rate(dispatchEvents, ms), ms, { invocations_per_s: rate(calls, ms), invocations_per_batch: Math.round(calls / dispatchBatches.length) }, dispatchEvents);
    }
  } finally {
    await fake.stop();
  }

  // Signing cost: the library (pure-JS SHA-256) vs node:crypto, on a typical invocation body.
  const body = `{"workspace_id":"${WORKSPACE}","agent_id":"agent_1","trigger_index":0,"events":[${plain.slice(0, 20).map((p) => p.value).join(',')}]}`;
  const key = Buffer.from(secret.slice(6), 'base64');
  const time = (fn: () => void, n = 500) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    return ((performance.now() - t) / n) * 1000;
  };
  const signing = { body_bytes: Buffer.byteLength(body), standardwebhooks_us: 0, node_crypto_us: 0 };
  signing.standardwebhooks_us = Math.round(median([1, 2, 3].map(() => time(() => standardWebhookHeaders(secret, 'msg_x', 1_700_000_000, body)))));
  signing.node_crypto_us = Math.round(median([1, 2, 3].map(() => time(() => createHmac('sha256', key).update(`msg_x.1700000000.${body}`).digest('base64')))));

  const rows = Object.entries(results).map(([name, r]) => [
    name,
    median(r.perS).toLocaleString('en'),
    spread(r.perS),
    Number.isNaN(median(r.perCpuS)) ? '-' : median(r.perCpuS).toLocaleString('en'),
    Math.round(median(r.ms) * 10) / 10,
    Object.entries(r.extra ?? {}).map(([k, v]) => `${k}=${v.toLocaleString('en')}`).join(' '),
  ]);
  printTable(`Agent dispatch: ${registrationCount} registrations (${index.triggers} event_stream triggers) in one workspace, ${eventCount} events, ${rounds} rounds`, ['phase', 'per s (median)', 'spread', 'per CPU-s', 'ms', 'notes'], rows);
  printTable('Signing one invocation body', ['signer', 'µs per body', 'body bytes'], [
    ['standardwebhooks (pure-JS SHA-256)', signing.standardwebhooks_us, signing.body_bytes],
    ['node:crypto HMAC-SHA256', signing.node_crypto_us, signing.body_bytes],
  ]);
  const phase = (prefix: string) => Object.entries(results).find(([n]) => n.startsWith(prefix))![1];
  const [matched, prepared] = [phase('3a.'), phase('3b.')];
  console.log(
    `\ngoal: ≥ 20,000 events/s matched in process — ${median(matched.perS).toLocaleString('en')} events/s wall clock, ${median(matched.perCpuS).toLocaleString('en')} per CPU-second` +
      ` (with grouping into invocations: ${median(prepared.perS).toLocaleString('en')} wall clock, ${median(prepared.perCpuS).toLocaleString('en')} per CPU-second); load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
  );
  const file = writeResults('dispatch', { registrations: registrationCount, triggers: index.triggers, events: eventCount, batch: batchSize, rounds, results, signing });
  console.log(`results: ${file}`);
}

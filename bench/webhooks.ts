/**
 * `npm run bench -- webhooks [--requests N]`: the Shopify webhook handler, in one run:
 * 1. overhead: the full handler (Middy stack, HMAC, parse, routing, dedup, event mapping, serialisation)
 *    with every I/O edge answered in process (tables in memory, a bus that returns at once),
 *    so the broker round trip is excluded — p50/p99 per request (goal p99 ≤ 1 ms);
 * 2. throughput: one handler instance (sequential requests, as one Lambda environment serves them)
 *    publishing to the real broker, against the raw kafkajs producer sending the same two messages per
 *    webhook with the same acks — ratio goal ≥ 0.8. A third row, the raw producer with a busy-wait of
 *    the handler's own p50 CPU time before each send, shows what that CPU time alone costs on this
 *    loopback broker. The rows take turns in short rounds (`--rounds N`, default 40, of 50 webhooks)
 *    and the spread of the per-round ratios is printed: on a shared machine it is as wide as the gaps.
 *    A last table splits the handler's time: before it calls the bus, in the bus, after it.
 * `--layers` instead times growing parts of the real code against the raw producer (where the gap is),
 * starting from the floor: the work any handler must do, sent by the raw producer itself.
 * `--overhead-only` stops after 1; `--kafka-profile` only times the handler against the broker (for a
 * CPU profile of that path); `--via-raw` makes the handler publish through the raw producer itself (after
 * the warm-up, which creates the topics through our bus), to tell the cost of our Kafka code from the
 * cost of the work around it.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createShopifyWebhookHandler } from '../functions/webhooks/shopify';
import { buildHttpApiEvent } from '../local/api-gateway-event';
import { lambdaContext } from '../local/lambda-context';
import { ConnectionRegistry } from '../shared/connections/connection-registry';
import type { BusMessage, EventBus } from '../shared/events/event-bus';
import { KafkaEventBus } from '../shared/events/kafka-bus';
import { createKafka } from '../shared/events/kafka-client';
import { EventPublisher, toBusMessage, withFanIn } from '../shared/events/publisher';
import { deterministicEventId } from '../shared/events/platform-event';
import { topics } from '../shared/events/topics';
import { toHttpRequest } from '../shared/http/request';
import { toWebhookRequest } from '../shared/webhooks/http';
import { SecretResolver } from '../shared/secrets/secret-resolver';
import type { SecretStore } from '../shared/secrets/secret-store';
import { MemoryTable } from '../shared/storage/memory-table';
import { DedupStore } from '../shared/webhooks/dedup-store';
import { ParkedWebhookStore } from '../shared/webhooks/parked-store';
import { ingestWebhook, type WebhookDeps } from '../shared/webhooks/pipeline';
import { shopifyWebhooks } from '../shared/webhooks/providers/shopify/webhook';
import { signedShopifyHeaders, verifyShopifyWebhook } from '../shared/webhooks/providers/shopify/shopify-hmac';
import { WorkspaceDirectory } from '../shared/workspaces/workspace-directory';
import { privateBroker } from '../scripts/services/kafka';
import { median, percentile, printTable, writeResults } from './report';

const SECRET = 'shpss_bench_secret';
const SHOP = 'bench-store.myshopify.com';
const WORKSPACE = 'bench_ws';

const order = (i: number) => ({
  id: 4_000_000_000 + i,
  name: `#${1000 + i}`,
  created_at: '2026-11-25T10:00:00-05:00',
  currency: 'USD',
  total_price: '59.80',
  line_items: Array.from({ length: 3 }, (_, j) => ({ id: j, title: `Item ${j}`, quantity: 1, price: '19.90', sku: `SKU-${j}` })),
  customer: { id: 115310627, email: 'customer@example.com' },
});

function webhookEvent(i: number) {
  const body = Buffer.from(JSON.stringify(order(i)));
  return buildHttpApiEvent({
    method: 'POST',
    rawPath: '/webhooks/shopify',
    routeKey: 'POST /webhooks/shopify',
    headers: signedShopifyHeaders(body, SECRET, { topic: 'orders/create', shop: SHOP, triggeredAt: new Date().toISOString() }),
    body,
  });
}

async function inProcessDeps(bus: EventBus): Promise<WebhookDeps> {
  const store: SecretStore = { get: async () => JSON.stringify({ client_secret: SECRET }), put: async () => undefined, list: async () => [], delete: async () => undefined };
  const connections = new ConnectionRegistry(new MemoryTable('connections'));
  await connections.connect('shopify', SHOP, WORKSPACE);
  return {
    secrets: new SecretResolver({ store, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 3_600_000 }),
    connections,
    dedup: new DedupStore(new MemoryTable('dedup')),
    parked: new ParkedWebhookStore(new MemoryTable('parked')),
    publisher: new EventPublisher({ bus }),
  };
}

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
const context = lambdaContext('webhook-shopify', 3600);

/** Invokes the handler with prepared events (built before timing, as the raw producer's messages are). */
async function invokeAll(handler: Handler, count: number, offset: number): Promise<number[]> {
  const events = Array.from({ length: count }, (_, i) => webhookEvent(offset + i));
  const times: number[] = [];
  for (const event of events) {
    const started = performance.now();
    const result = await handler(event, context);
    times.push(performance.now() - started);
    if (result.statusCode !== 200 || !result.body.includes('"accepted"')) throw new Error(`unexpected response ${result.statusCode} ${result.body}`);
  }
  return times;
}

/**
 * `--layers`: where the gap to the raw producer is. The same webhook through growing parts of the real code,
 * every variant publishing through the same bus, taking turns with the raw producer in rounds:
 * only the unavoidable work (first sent by the raw producer: the floor for any handler; then through our
 * bus); + the Shopify provider; + the shared pipeline; the whole handler.
 */
async function layers(handler: Handler, deps: WebhookDeps, bus: EventBus, sendRaw: (m: BusMessage[]) => Promise<unknown>, rawMessages: (i: number) => BusMessage[]): Promise<void> {
  const credential = await deps.secrets.platform('shopify');
  const deadline = () => Date.now() + 4000;
  type ApiEvent = ReturnType<typeof webhookEvent>;
  // Verify the HMAC, parse the body, derive the id, serialise one envelope: what any handler must do.
  const unavoidable = (event: ApiEvent): BusMessage[] => {
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    if (!verifyShopifyWebhook(body, event.headers['x-shopify-hmac-sha256']!, [SECRET])) throw new Error('signature');
    const payload = JSON.parse(body.toString('utf8')) as { id: number };
    const eventId = deterministicEventId('shopify.orders.created', 'shopify', SHOP, 'orders/create', event.headers['x-shopify-event-id']!);
    const value = JSON.stringify({ event_id: eventId, event_type: 'shopify.orders.created', timestamp: new Date().toISOString(), source_service_name: 'webhook-shopify', workspace_id: WORKSPACE, payload_schema_version: '1', payload_json: { data: payload } });
    const headers = { event_id: eventId, event_type: 'shopify.orders.created', payload_schema_version: '1', source_service_name: 'webhook-shopify', 'content-type': 'application/json' };
    const key = String(payload.id);
    const topic = topics.shopify(WORKSPACE, 'orders/create');
    return [{ topic, key, value, headers }, { topic: topics.shopifyAllWorkspaces(), key, value, headers: { ...headers, origin_topic: topic } }];
  };
  const variants: Record<string, (event: ApiEvent) => Promise<unknown>> = {
    // The floor: that work, sent by the raw producer itself (none of our code on the way).
    'floor: unavoidable work, raw producer': (event) => sendRaw(unavoidable(event)),
    'unavoidable work, through our bus': (event) => bus.publish(unavoidable(event), { deadline: deadline() }),
    '+ Shopify provider (verify, parse, map)': async (event) => {
      const request = toWebhookRequest(toHttpRequest(event, context as never));
      shopifyWebhooks.verify(request, credential);
      const [delivery] = shopifyWebhooks.parse(request);
      await deps.publisher.publish(shopifyWebhooks.toEvents(delivery!, WORKSPACE), { deadline: deadline() });
    },
    '+ pipeline (secrets, routing, dedup)': async (event) => JSON.stringify(await ingestWebhook(shopifyWebhooks, toWebhookRequest(toHttpRequest(event, context as never)), deps, { deadline: deadline() })),
    '+ HTTP stack = the handler': (event) => handler(event, context),
  };
  const rounds = 30;
  const perRound = 50;
  const totals = new Map<string, number>([['raw kafkajs producer', 0], ...Object.keys(variants).map((k) => [k, 0] as [string, number])]);
  // Every round runs the rows in a different order: the row right after another pays for the switch.
  const rows = ['raw kafkajs producer', ...Object.keys(variants)];
  for (let r = 0; r < rounds; r++) {
    const base = 6_000_000 + r * 1000;
    for (let k = 0; k < rows.length; k++) {
      const v = (r + k) % rows.length;
      const name = rows[v]!;
      const run = variants[name];
      const prepared = Array.from({ length: perRound }, (_, i) => (run ? webhookEvent(base + v * 100 + i) : rawMessages(base + v * 100 + i)));
      const started = performance.now();
      if (run) for (const event of prepared as ApiEvent[]) await run(event);
      else for (const messages of prepared as BusMessage[][]) await sendRaw(messages);
      totals.set(name, totals.get(name)! + performance.now() - started);
    }
  }
  const rawMs = totals.get('raw kafkajs producer')!;
  const n = rounds * perRound;
  printTable(`Where the gap is: growing parts of the real code against the raw producer (${rounds} rounds of ${perRound}, taking turns)`, ['publishes', 'ms/webhook', 'ratio to raw'], [...totals].map(([name, ms]) => [name, (ms / n).toFixed(3), (rawMs / ms).toFixed(2)]));
  writeResults('webhooks-layers', { rounds, perRound, msPerWebhook: Object.fromEntries([...totals].map(([k, ms]) => [k, ms / n])), ratioToRaw: Object.fromEntries([...totals].map(([k, ms]) => [k, rawMs / ms])) });
}

export async function run(args: string[]): Promise<void> {
  const requestsArg = args.indexOf('--requests');
  const requests = requestsArg >= 0 ? Number(args[requestsArg + 1]) : 3000;
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

  // 1. Overhead, broker excluded.
  const published: BusMessage[] = [];
  const nullBus: EventBus = { publish: async (messages) => void published.push(...messages), close: async () => undefined };
  const overheadDeps = await inProcessDeps(nullBus);
  const overheadHandler = createShopifyWebhookHandler(() => overheadDeps) as unknown as Handler;
  await invokeAll(overheadHandler, 500, 0); // warm-up (JIT, caches)
  const overhead = await invokeAll(overheadHandler, requests, 1_000_000);
  if (published.length !== 2 * (requests + 500)) throw new Error('the handler did not publish what it should');
  if (args.includes('--overhead-only')) {
    console.log(`overhead p50 ${median(overhead).toFixed(3)} ms, p99 ${percentile(overhead, 99).toFixed(3)} ms`);
    return;
  }

  // The broker part runs on a broker of its own (like the outage test), deleted afterwards: tens of
  // thousands of bench events never reach the shared broker's fan-in topic, which the tests and the
  // local runtime's consumers read.
  const broker = await privateBroker('bench');
  process.stderr.write(`starting a broker for the benchmark (${broker.brokers})…\n`);
  await broker.start();
  try {
    await againstBroker(args, broker.brokers, overhead, requests);
  } finally {
    await broker.destroy();
  }
  process.exit(0);
}

async function againstBroker(args: string[], bootstrap: string, overhead: number[], requests: number): Promise<void> {
  if (args.includes('--kafka-profile')) {
    const kafkaBus = new KafkaEventBus(createKafka({ mode: 'brokers', brokers: [bootstrap], auth: 'none' }, { clientId: 'bench-profile', region: 'us-east-1' }), { partitions: 3 });
    const deps = await inProcessDeps(kafkaBus);
    const h = createShopifyWebhookHandler(() => deps) as unknown as Handler;
    await invokeAll(h, 300, 9_000_000);
    const times = await invokeAll(h, requests, 9_100_000);
    console.log(`handler with Kafka p50 ${median(times).toFixed(3)} ms`);
    await kafkaBus.close();
    return;
  }

  // 2. Throughput against the real broker: handler vs raw producer, interleaved in rounds.
  const brokers = [bootstrap];
  const kafkaBus = new KafkaEventBus(createKafka({ mode: 'brokers', brokers, auth: 'none' }, { clientId: 'bench-handler', region: 'us-east-1' }), { partitions: 3 });
  const raw = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await raw.connect();
  // The raw producer's send: the messages grouped by topic, one request, acks=all.
  const sendRaw = (messages: BusMessage[]) => {
    const byTopic = new Map<string, BusMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    return raw.sendBatch({ acks: -1, timeout: 5000, topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) })) });
  };
  let busMs = 0;
  let publishStarted = 0;
  let publishEnded = 0;
  // The warm-up below publishes through our bus (which creates the topics); --via-raw applies after it.
  let viaRaw = false;
  const timedBus: EventBus = {
    publish: async (messages, options) => {
      const t = (publishStarted = performance.now());
      if (viaRaw) await sendRaw(messages);
      else await kafkaBus.publish(messages, options);
      publishEnded = performance.now();
      busMs += publishEnded - t;
    },
    close: () => kafkaBus.close(),
  };
  const handlerDeps = await inProcessDeps(timedBus);
  const kafkaHandler = createShopifyWebhookHandler(() => handlerDeps) as unknown as Handler;
  // The messages the raw producer sends are exactly what the handler publishes for the same webhook.
  const rawMessages = (i: number): BusMessage[] => withFanIn(shopifyWebhooks.toEvents({ ...shopifyWebhooks.parse({ rawBody: Buffer.from(JSON.stringify(order(i))), headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': SHOP, 'x-shopify-webhook-id': randomUUID(), 'x-shopify-event-id': randomUUID() }, query: {}, receivedAt: Date.now() })[0]! }, WORKSPACE)).map(toBusMessage);
  await invokeAll(kafkaHandler, 200, 2_000_000); // warm-up, also provisions the topics
  viaRaw = args.includes('--via-raw');
  const cpuMs = median(overhead);
  const busyWait = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  for (let i = 0; i < 200; i++) await sendRaw(rawMessages(2_500_000 + i)); // the raw producer warms up too
  if (args.includes('--layers')) {
    await layers(kafkaHandler, handlerDeps, timedBus, sendRaw, rawMessages);
    await raw.disconnect();
    await kafkaBus.close();
    return;
  }
  // Short rounds, the three rows taking turns: the machine's drift (other tenants, the broker's own
  // work) then lands on every row alike. Inputs are prepared before each timing starts.
  const roundsArg = args.indexOf('--rounds');
  const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 40;
  const perRound = 50;
  busMs = 0;
  const rawRounds: number[] = [];
  const burstRounds: number[] = [];
  const handlerRounds: number[] = [];
  // Phases of each handler request: before the bus is called, in it, after it returned.
  const before: number[] = [];
  const publishing: number[] = [];
  const after: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const base = 3_000_000 + r * perRound;
    const events = Array.from({ length: perRound }, (_, i) => webhookEvent(base + i));
    let started = performance.now();
    for (const event of events) {
      const t0 = performance.now();
      const result = await kafkaHandler(event, context);
      after.push(performance.now() - publishEnded);
      before.push(publishStarted - t0);
      publishing.push(publishEnded - publishStarted);
      if (result.statusCode !== 200 || !result.body.includes('"accepted"')) throw new Error(`unexpected response ${result.statusCode} ${result.body}`);
    }
    handlerRounds.push(performance.now() - started);
    let prepared = Array.from({ length: perRound }, (_, i) => rawMessages(4_000_000 + base + i));
    started = performance.now();
    for (const messages of prepared) await sendRaw(messages);
    rawRounds.push(performance.now() - started);
    prepared = Array.from({ length: perRound }, (_, i) => rawMessages(5_000_000 + base + i));
    started = performance.now();
    for (const messages of prepared) {
      busyWait(cpuMs);
      await sendRaw(messages);
    }
    burstRounds.push(performance.now() - started);
  }
  await raw.disconnect();
  await kafkaBus.close();
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const total = rounds * perRound;
  const [rawMs, burstMs, handlerMs] = [sum(rawRounds), sum(burstRounds), sum(handlerRounds)];
  const handlerRps = (total / handlerMs) * 1000;
  const rawRps = (total / rawMs) * 1000;
  const burstRps = (total / burstMs) * 1000;
  // Per-round ratios show how much of the result is the machine's noise.
  const roundRatios = rawRounds.map((ms, r) => ms / handlerRounds[r]!);
  const spread = (ratios: number[]) => `${percentile(ratios, 25).toFixed(2)}–${percentile(ratios, 75).toFixed(2)}`;

  const p50 = median(overhead);
  const p99 = percentile(overhead, 99);
  printTable('Shopify webhook handler: overhead with I/O answered in process (broker excluded)', ['metric', 'value', 'goal'], [
    ['requests', requests, ''],
    ['p50 ms', p50.toFixed(3), ''],
    ['p90 ms', percentile(overhead, 90).toFixed(3), ''],
    ['p99 ms', p99.toFixed(3), '≤ 1.000'],
    ['max ms', Math.max(...overhead).toFixed(3), ''],
  ]);
  printTable(`Throughput of one instance against the real broker (sequential, acks=all, same messages; ${rounds} interleaved rounds of ${perRound})`, ['producer', 'webhooks/s', 'ms/webhook', 'of which Kafka', 'ratio', 'rounds p25–p75'], [
    ['raw kafkajs producer', rawRps.toFixed(0), (rawMs / total).toFixed(3), (rawMs / total).toFixed(3), '1.00', ''],
    [`raw + ${cpuMs.toFixed(3)} ms busy-wait`, burstRps.toFixed(0), (burstMs / total).toFixed(3), '', `${(burstRps / rawRps).toFixed(2)}  (the handler's CPU alone)`, spread(rawRounds.map((ms, r) => ms / burstRounds[r]!))],
    ['webhook handler', handlerRps.toFixed(0), (handlerMs / total).toFixed(3), (busMs / total).toFixed(3), `${(handlerRps / rawRps).toFixed(2)}  (goal ≥ 0.80)`, spread(roundRatios)],
  ]);
  // Where a handler request's time goes, next to the raw producer's time for the same messages.
  const mean = (xs: number[]) => sum(xs) / xs.length;
  printTable('Handler request, by phase, against the broker (ms per webhook)', ['phase', 'mean', 'p50'], [
    ['before publishing (HTTP, verify, parse, route + claim, map)', mean(before).toFixed(3), median(before).toFixed(3)],
    [viaRaw ? 'publishing (the raw producer: --via-raw)' : 'publishing (our Kafka bus, broker round trip)', (busMs / total).toFixed(3), median(publishing).toFixed(3)],
    ['after publishing (dedup complete, response)', mean(after).toFixed(3), median(after).toFixed(3)],
    ['raw producer, the same messages', (rawMs / total).toFixed(3), ''],
  ]);
  const file = writeResults('webhooks', {
    overhead: { requests, p50Ms: p50, p90Ms: percentile(overhead, 90), p99Ms: p99, maxMs: Math.max(...overhead), goalP99Ms: 1 },
    throughput: {
      webhooks: total,
      rawPerSecond: rawRps,
      handlerPerSecond: handlerRps,
      rawWithHandlerCpuPerSecond: burstRps,
      handlerCpuMs: cpuMs,
      rawMsPerWebhook: rawMs / total,
      handlerMsPerWebhook: handlerMs / total,
      handlerKafkaMsPerWebhook: busMs / total,
      handlerBeforePublishMsPerWebhook: mean(before),
      handlerAfterPublishMsPerWebhook: mean(after),
      ratio: handlerRps / rawRps,
      roundRatioP25: percentile(roundRatios, 25),
      roundRatioMedian: median(roundRatios),
      roundRatioP75: percentile(roundRatios, 75),
      rounds,
      perRound,
      goalRatio: 0.8,
    },
  });
  console.log(`\nwrote ${file}`);
}

/**
 * `npm run bench -- cost [--webhooks N] [--llm-calls N]`: what one Shopify webhook and one LLM call cost in
 * AWS, from the calls our code actually makes — not from reading it.
 *
 * The deployed handlers (functions/webhooks/shopify.ts, functions/llm/text-generation.ts and, behind the
 * LLM call, functions/events/outbox-drain.ts) run with the real adapters against this checkout's moto and
 * Kafka broker, in two passes over fresh environments:
 *   A. metered: a middleware on every AWS SDK client the runtime made counts each command, DynamoDB read
 *      and write request units from the real items (bench/cost/aws-meter.ts), SQS requests per 64 KB; the
 *      records written to Kafka are read back and their bytes added up (MSK data in), and multiplied by
 *      the number of functions the manifest subscribes to each topic (data out);
 *   B. timed, unmetered: the handler's duration per invocation (Lambda bills it per 1 ms at the manifest's
 *      memory), and the bytes it logs at the deployed log level (INFO) plus Lambda's own START/END/REPORT.
 * Priced from a dated table of list prices with sources (bench/cost/prices.ts): per 1 M Shopify webhooks
 * (goal ≤ $2.00, API Gateway's $1.00 included) and per 1 M LLM calls (provider tokens excluded). Fixed
 * monthly costs (MSK cluster and partitions, NAT, endpoints) are shown apart: they do not grow with calls.
 * The last line of the table is exactly `total: $X.XX per 1M Shopify webhooks`.
 *
 * Durations are measured against moto and a loopback broker on a shared machine: moto serves DynamoDB
 * requests one at a time (~5–10 ms here, single-digit ms in AWS), so the duration line is an upper bound
 * for AWS; the JSON keeps the raw figures to re-price.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startSet, testServices } from '../scripts/services/service-sets';
import { AwsMeter, type MeteredUsage } from './cost/aws-meter';
import { HOURS_PER_MONTH, prices, PRICES_AS_OF, XRAY_DEFAULT_SAMPLED_SHARE } from './cost/prices';
import { median, percentile, printTable, writeResults } from './report';

const WORKSPACE = `cost_${randomUUID().slice(0, 8)}`;
const SHOP = `cost-${WORKSPACE.slice(5)}.myshopify.com`;
const SECRET = `shpss_${randomUUID().replace(/-/g, '')}`;
const OPENAI_KEY = 'sk-cost-0000000000000000';
const GOAL_USD_PER_M_WEBHOOKS = 2.0;

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

const option = (args: string[], name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

/** Lambda's own lines per invocation in the text log format (tracing on: the REPORT line names the trace). */
const platformLogBytes = (memoryMb: number, billedMs: number) =>
  Buffer.byteLength(
    [
      `START RequestId: ${randomUUID()} Version: $LATEST\n`,
      `END RequestId: ${randomUUID()}\n`,
      `REPORT RequestId: ${randomUUID()}\tDuration: ${billedMs.toFixed(2)} ms\tBilled Duration: ${billedMs} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: 112 MB\t\n`,
      `XRAY TraceId: 1-${'0'.repeat(8)}-${'0'.repeat(24)}\tSegmentId: ${'0'.repeat(16)}\tSampled: true\t\n`,
    ].join(''),
  );

/** Counts (and swallows) what the process writes to stdout while `fn` runs. */
async function countingStdout<T>(fn: () => Promise<T>): Promise<{ result: T; bytes: number }> {
  const write = process.stdout.write.bind(process.stdout);
  let bytes = 0;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await fn(), bytes };
  } finally {
    process.stdout.write = write;
  }
}

interface Line {
  item: string;
  quantity: number;
  unit: string;
  usdPerCall: number;
}

interface Scenario {
  name: string;
  calls: number;
  usage: MeteredUsage;
  durationsMs: number[];
  cpuMsPerCall: number;
  logBytesPerCall: number;
  kafkaInBytesPerCall: number;
  kafkaOutBytesPerCall: number;
  memoryMb: number;
  lines: Line[];
}

export async function run(args: string[]): Promise<void> {
  const webhooks = option(args, 'webhooks', 300);
  const llmCalls = option(args, 'llm-calls', 200);
  // The deployed log level (Powertools' default), so the log bytes are what CloudWatch would ingest.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';

  const services = await startSet(await testServices());
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: services.awsEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    KAFKA_BROKERS: services.kafkaBrokers,
    IONFLUX_BACKEND: 'aws',
    IONFLUX_RESOURCE_PREFIX: 'bench-cost',
    IONFLUX_SECRET_ROOT: 'bench/ionflux',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  });
  delete process.env.IONFLUX_EMAIL_TRANSPORT;

  const { provisionAll } = await import('../local/provision');
  const { resetEnvironment } = await import('../shared/runtime/per-environment');
  const { config } = await import('../shared/config/env');
  const { awsClientConfig } = await import('../shared/aws/client-config');
  const { secretStore, secretsManagerClient } = await import('../shared/runtime/secrets');
  const { dynamoDbClient } = await import('../shared/runtime/storage');
  const { sqsClient, queue } = await import('../shared/runtime/queues');
  const { connectionRegistry } = await import('../shared/runtime/connections');
  const { eventBus } = await import('../shared/runtime/event-bus');
  const { platformSecretName } = await import('../shared/secrets/names');
  const { topics } = await import('../shared/events/topics');
  const { functions } = await import('../functions/manifest');
  const { buildHttpApiEvent } = await import('../local/api-gateway-event');
  const { lambdaContext } = await import('../local/lambda-context');
  const { sqsEvent } = await import('../local/aws-events');
  const { signedShopifyHeaders } = await import('../shared/webhooks/providers/shopify/shopify-hmac');
  const { FakeOpenAi } = await import('../test/fakes/openai/fake-openai');

  // Setup, unmetered: tables and queues, the platform secrets, the shop's connection.
  await provisionAll();
  const openai = await FakeOpenAi.start({ keys: [OPENAI_KEY] });
  const root = config().secretRoot;
  await secretStore().put(platformSecretName(root, 'shopify'), JSON.stringify({ client_secret: SECRET }));
  await secretStore().put(platformSecretName(root, 'openai'), JSON.stringify({ api_key: OPENAI_KEY, base_url: openai.baseUrl }));
  await connectionRegistry().connect('shopify', SHOP, WORKSPACE);
  for (let batch = await queue('outbox').receive(10); batch.length; batch = await queue('outbox').receive(10)) for (const m of batch) await queue('outbox').delete(m.receiptHandle);

  const spec = (id: string) => {
    const found = functions.find((f) => f.id === id);
    if (!found) throw new Error(`no function ${id} in the manifest`);
    return found;
  };
  /** Functions the manifest subscribes to a topic: each reads every record of it (MSK data out). */
  const consumersOf = (topic: string) => functions.filter((f) => f.trigger && 'kafka' in f.trigger && f.trigger.kafka?.topics.includes(topic)).length;
  const recordBytes = (r: { key?: string | null; value: string; headers?: Record<string, string> }) =>
    Buffer.byteLength(r.key ?? '') + Buffer.byteLength(r.value) + Object.entries(r.headers ?? {}).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  /** Bytes written to `topicNames` since `since` by events of our workspace, and what their consumers read. */
  async function kafkaBytes(topicNames: string[], since: number, eventIds: Set<string>) {
    let dataIn = 0;
    let dataOut = 0;
    for (const topic of topicNames) {
      const records = (await eventBus().readAll(topic, { since })).filter((r) => eventIds.has((JSON.parse(r.value) as { event_id: string }).event_id));
      const bytes = records.reduce((sum, r) => sum + recordBytes(r), 0);
      dataIn += bytes;
      dataOut += bytes * consumersOf(topic);
    }
    return { dataIn, dataOut };
  }

  const meteredEnvironment = async () => {
    await resetEnvironment();
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'bench-cost';
    const meter = new AwsMeter(new DynamoDBClient(awsClientConfig(config())));
    meter.attach(dynamoDbClient());
    meter.attach(secretsManagerClient());
    meter.attach(sqsClient());
    return meter;
  };

  // ---------------------------------------------------------------- Shopify webhooks
  const webhookFn = spec('webhook-shopify');
  const { handler: shopifyHandler } = (await import('../functions/webhooks/shopify')) as unknown as { handler: Handler };
  let orderNumber = 0;
  const sendWebhook = async () => {
    orderNumber += 1;
    const order = {
      id: 5_000_000_000 + orderNumber,
      name: `#${1000 + orderNumber}`,
      created_at: '2026-12-06T10:00:00-05:00',
      currency: 'USD',
      total_price: '59.80',
      line_items: Array.from({ length: 3 }, (_, j) => ({ id: j, title: `Item ${j}`, quantity: 1, price: '19.90', sku: `SKU-${j}` })),
      customer: { id: 115310627, email: 'customer@example.com' },
    };
    const body = Buffer.from(JSON.stringify(order));
    const headers = signedShopifyHeaders(body, SECRET, { topic: 'orders/create', shop: SHOP, eventId: randomUUID() });
    const event = buildHttpApiEvent({ method: 'POST', rawPath: '/webhooks/shopify', routeKey: 'POST /webhooks/shopify', headers, body });
    const response = await shopifyHandler(event, lambdaContext('webhook-shopify', webhookFn.timeoutS, webhookFn.memoryMb));
    const answer = JSON.parse(response.body) as { status: string; deliveries: Array<{ via: string; event_ids: string[] }> };
    if (response.statusCode !== 200 || answer.status !== 'accepted' || answer.deliveries[0]?.via !== 'kafka') throw new Error(`webhook answered ${response.statusCode}: ${response.body}`);
    return answer.deliveries[0].event_ids;
  };

  const passStart = Date.now() - 1000;
  let meter = await meteredEnvironment();
  const webhookEventIds = new Set<string>();
  for (let i = 0; i < webhooks; i++) for (const id of await sendWebhook()) webhookEventIds.add(id);
  const webhookUsage = meter.reset();
  const webhookKafka = await kafkaBytes([topics.shopify(WORKSPACE, 'orders/create'), topics.shopifyAllWorkspaces()], passStart, webhookEventIds);

  meter = await meteredEnvironment();
  meter.enabled = false;
  await sendWebhook(); // the environment's first invocation (connections, secret) is not what a warm one costs
  const webhookTimes: number[] = [];
  const webhookCpu = process.cpuUsage();
  const { bytes: webhookLogBytes } = await countingStdout(async () => {
    for (let i = 0; i < webhooks; i++) {
      const started = performance.now();
      await sendWebhook();
      webhookTimes.push(performance.now() - started);
    }
  });
  const webhookCpuMs = (process.cpuUsage(webhookCpu).user + process.cpuUsage(webhookCpu).system) / 1000 / webhooks;

  // ---------------------------------------------------------------- LLM calls (and the outbox drain behind them)
  const llmFn = spec('llm-text-generation');
  const drainFn = spec('outbox-drain');
  const { handler: llmHandler } = (await import('../functions/llm/text-generation')) as unknown as { handler: Handler };
  const { handler: drainHandler } = (await import('../functions/events/outbox-drain')) as unknown as { handler: (event: unknown, context: unknown) => Promise<{ batchItemFailures: unknown[] }> };
  const callLlm = async () => {
    const event = buildHttpApiEvent({
      method: 'POST',
      rawPath: '/v1/llm/text-generation',
      routeKey: 'POST /v1/llm/text-generation',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        workspace_id: WORKSPACE,
        task_type: 'text_generation',
        provider: 'openai',
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Summarise yesterday in one sentence: 42 orders, revenue 3120 USD, two refunds.' }],
        parameters: { max_tokens: 64 },
      }),
    });
    const response = await llmHandler(event, lambdaContext('llm-text-generation', llmFn.timeoutS, llmFn.memoryMb));
    if (response.statusCode !== 200) throw new Error(`LLM call answered ${response.statusCode}: ${response.body}`);
  };
  /**
   * What Lambda's SQS trigger does with the outbox: receive a batch, invoke outbox-drain, delete the batch.
   * The trigger's own SQS requests (a ReceiveMessage and a DeleteMessageBatch per batch) are priced from
   * the batch count below, not metered here: this stand-in receives and deletes one call per message.
   */
  let batchesDrained = 0;
  /** Runs `fn` with the meter off: the stand-in's own receive and delete calls are not the trigger's. */
  const unmetered = async <T>(meter: AwsMeter, fn: () => Promise<T>): Promise<T> => {
    const was = meter.enabled;
    meter.enabled = false;
    try {
      return await fn();
    } finally {
      meter.enabled = was;
    }
  };
  const drainOutbox = async (drainTimes: number[] | undefined, meter: AwsMeter) => {
    for (;;) {
      const batch = await unmetered(meter, () => queue('outbox').receive(10));
      if (!batch.length) return;
      batchesDrained += 1;
      const started = performance.now();
      const result = await drainHandler(sqsEvent('outbox', batch), lambdaContext('outbox-drain', drainFn.timeoutS, drainFn.memoryMb));
      drainTimes?.push(performance.now() - started);
      if (result.batchItemFailures.length) throw new Error('outbox-drain failed part of a batch');
      await unmetered(meter, async () => {
        for (const m of batch) await queue('outbox').delete(m.receiptHandle);
      });
    }
  };

  const llmStart = Date.now() - 1000;
  meter = await meteredEnvironment();
  for (let i = 0; i < llmCalls; i++) await callLlm();
  const llmUsage = meter.reset();
  batchesDrained = 0;
  await drainOutbox(undefined, meter);
  const drainUsage = meter.reset();
  drainUsage.sqs.billedRequests += 2 * batchesDrained; // the trigger's ReceiveMessage + DeleteMessageBatch
  drainUsage.commands['SQS.ReceiveMessage (trigger)'] = batchesDrained;
  drainUsage.commands['SQS.DeleteMessageBatch (trigger)'] = batchesDrained;
  const usageTopic = topics.platform('llm_usage');
  const usageIds = new Set((await eventBus().readAll(usageTopic, { since: llmStart })).map((r) => (JSON.parse(r.value) as { event_id: string; workspace_id?: string }) ).filter((e) => e.workspace_id === WORKSPACE).map((e) => e.event_id));
  if (usageIds.size < llmCalls) throw new Error(`${usageIds.size} usage events reached Kafka for ${llmCalls} LLM calls`);
  const llmKafka = await kafkaBytes([usageTopic], llmStart, usageIds);

  meter = await meteredEnvironment();
  meter.enabled = false;
  await callLlm();
  await drainOutbox(undefined, meter);
  const llmTimes: number[] = [];
  const drainTimes: number[] = [];
  const llmCpu = process.cpuUsage();
  const { bytes: llmLogBytes } = await countingStdout(async () => {
    for (let i = 0; i < llmCalls; i++) {
      const started = performance.now();
      await callLlm();
      llmTimes.push(performance.now() - started);
    }
  });
  const llmCpuMs = (process.cpuUsage(llmCpu).user + process.cpuUsage(llmCpu).system) / 1000 / llmCalls;
  const drainBatchesBefore = drainTimes.length;
  const { bytes: drainLogBytes } = await countingStdout(() => drainOutbox(drainTimes, meter));
  const drainBatches = Math.max(1, drainTimes.length - drainBatchesBefore);
  await openai.close();

  // ---------------------------------------------------------------- pricing
  const perCall = (n: number, calls: number) => n / calls;
  const lambdaLines = (label: string, memoryMb: number, times: number[], invocationsPerCall: number, logBytesPerCall: number): Line[] => {
    const billedMs = times.reduce((sum, t) => sum + Math.max(1, Math.ceil(t)), 0) / times.length;
    const gbSeconds = (billedMs / 1000) * (memoryMb / 1024) * invocationsPerCall;
    const platformBytes = platformLogBytes(memoryMb, Math.ceil(billedMs)) * invocationsPerCall;
    return [
      { item: `${label}: Lambda requests`, quantity: invocationsPerCall, unit: 'requests', usdPerCall: invocationsPerCall * prices.lambdaRequest.usd },
      { item: `${label}: Lambda duration (${memoryMb} MB, ${billedMs.toFixed(1)} ms billed)`, quantity: gbSeconds, unit: 'GB-s', usdPerCall: gbSeconds * prices.lambdaArmGbSecond.usd },
      { item: `${label}: CloudWatch Logs (ours + START/END/REPORT)`, quantity: logBytesPerCall + platformBytes, unit: 'bytes', usdPerCall: ((logBytesPerCall + platformBytes) / 1e9) * prices.cloudWatchLogsIngestGb.usd },
      { item: `${label}: X-Ray traces (default sampling, ~5 %)`, quantity: XRAY_DEFAULT_SAMPLED_SHARE * invocationsPerCall, unit: 'traces', usdPerCall: XRAY_DEFAULT_SAMPLED_SHARE * invocationsPerCall * prices.xrayTraceRecorded.usd },
    ];
  };
  const awsLines = (label: string, usage: MeteredUsage, calls: number): Line[] => {
    const secretsCalls = Object.entries(usage.commands).filter(([k]) => k.startsWith('SecretsManager.')).reduce((s, [, n]) => s + n, 0);
    const secretReads = usage.commands['SecretsManager.GetSecretValue'] ?? 0;
    return [
      { item: `${label}: DynamoDB write units`, quantity: perCall(usage.dynamodb.writeUnits, calls), unit: 'WRU', usdPerCall: perCall(usage.dynamodb.writeUnits, calls) * prices.dynamodbWriteUnit.usd },
      { item: `${label}: DynamoDB read units`, quantity: perCall(usage.dynamodb.readUnits, calls), unit: 'RRU', usdPerCall: perCall(usage.dynamodb.readUnits, calls) * prices.dynamodbReadUnit.usd },
      { item: `${label}: SQS requests (64 KB chunks)`, quantity: perCall(usage.sqs.billedRequests, calls), unit: 'requests', usdPerCall: perCall(usage.sqs.billedRequests, calls) * prices.sqsRequest.usd },
      { item: `${label}: Secrets Manager calls (+ KMS decrypts)`, quantity: perCall(secretsCalls, calls), unit: 'calls', usdPerCall: perCall(secretsCalls, calls) * prices.secretsManagerCall.usd + perCall(secretReads, calls) * prices.kmsRequest.usd },
    ];
  };
  const kafkaLines = (label: string, kafka: { dataIn: number; dataOut: number }, calls: number): Line[] => [
    { item: `${label}: MSK data in`, quantity: kafka.dataIn / calls, unit: 'bytes', usdPerCall: (kafka.dataIn / calls / 1e9) * prices.mskServerlessDataInGb.usd },
    { item: `${label}: MSK data out (every subscribed function)`, quantity: kafka.dataOut / calls, unit: 'bytes', usdPerCall: (kafka.dataOut / calls / 1e9) * prices.mskServerlessDataOutGb.usd },
  ];
  const apiGateway: Line = { item: 'API Gateway HTTP API request', quantity: 1, unit: 'requests', usdPerCall: prices.apiGatewayHttpRequest.usd };

  const webhook: Scenario = {
    name: 'Shopify webhook',
    calls: webhooks,
    usage: webhookUsage,
    durationsMs: webhookTimes,
    cpuMsPerCall: webhookCpuMs,
    logBytesPerCall: webhookLogBytes / webhooks,
    kafkaInBytesPerCall: webhookKafka.dataIn / webhooks,
    kafkaOutBytesPerCall: webhookKafka.dataOut / webhooks,
    memoryMb: webhookFn.memoryMb,
    lines: [apiGateway, ...lambdaLines('webhook-shopify', webhookFn.memoryMb, webhookTimes, 1, webhookLogBytes / webhooks), ...awsLines('webhook-shopify', webhookUsage, webhooks), ...kafkaLines('webhook-shopify', webhookKafka, webhooks)],
  };
  const drainPerCall = drainBatches / llmCalls;
  const llm: Scenario = {
    name: 'LLM call',
    calls: llmCalls,
    usage: llmUsage,
    durationsMs: llmTimes,
    cpuMsPerCall: llmCpuMs,
    logBytesPerCall: llmLogBytes / llmCalls,
    kafkaInBytesPerCall: llmKafka.dataIn / llmCalls,
    kafkaOutBytesPerCall: llmKafka.dataOut / llmCalls,
    memoryMb: llmFn.memoryMb,
    lines: [
      apiGateway,
      ...lambdaLines('llm-text-generation', llmFn.memoryMb, llmTimes, 1, llmLogBytes / llmCalls),
      ...awsLines('llm-text-generation', llmUsage, llmCalls),
      ...lambdaLines('outbox-drain', drainFn.memoryMb, drainTimes.slice(drainBatchesBefore), drainPerCall, drainLogBytes / llmCalls),
      ...awsLines('outbox-drain + its SQS trigger', drainUsage, llmCalls),
      ...kafkaLines('outbox-drain', llmKafka, llmCalls),
    ],
  };

  const money = (usdPerCall: number) => `$${(usdPerCall * 1e6).toFixed(4)}`;
  const quantity = (l: Line) => (l.quantity >= 100 ? l.quantity.toFixed(0) : l.quantity >= 0.01 ? l.quantity.toFixed(3) : l.quantity.toExponential(2));
  const totalOf = (s: Scenario) => s.lines.reduce((sum, l) => sum + l.usdPerCall, 0);
  const fixedRows = [
    ['MSK Serverless cluster', `${HOURS_PER_MONTH} h`, `$${(HOURS_PER_MONTH * prices.mskServerlessClusterHour.usd).toFixed(2)}`],
    ['MSK Serverless partitions, per topic of 3 partitions (each workspace has one per Shopify topic it receives)', `${3 * HOURS_PER_MONTH} partition-h`, `$${(3 * HOURS_PER_MONTH * prices.mskServerlessPartitionHour.usd).toFixed(2)}`],
    ['NAT gateway (1)', `${HOURS_PER_MONTH} h`, `$${(HOURS_PER_MONTH * prices.natGatewayHour.usd).toFixed(2)}`],
    ['Interface endpoints (5 × 2 AZs)', `${10 * HOURS_PER_MONTH} endpoint-AZ-h`, `$${(10 * HOURS_PER_MONTH * prices.interfaceEndpointAzHour.usd).toFixed(2)}`],
  ];
  printTable('Fixed monthly costs (not in the per-call totals)', ['what', 'quantity', 'per month'], fixedRows);

  for (const s of [llm, webhook]) {
    const total = totalOf(s);
    const rows = s.lines.map((l) => [l.item, quantity(l), l.unit, money(l.usdPerCall), `${((l.usdPerCall / total) * 100).toFixed(1)} %`]);
    printTable(`One ${s.name}: what it asks of AWS (measured over ${s.calls}), priced per 1M ${s.name}s (us-east-1 list prices of ${PRICES_AS_OF})`, ['item', 'per call', 'unit', 'per 1M calls', 'share'], rows);
    const commands = Object.entries(s.usage.commands).map(([k, n]) => `${k} ${(n / s.calls).toFixed(3)}`).join(', ');
    console.log(`  AWS commands per call: ${commands || 'none'}`);
    console.log(`  duration p50 ${median(s.durationsMs).toFixed(1)} ms, p90 ${percentile(s.durationsMs, 90).toFixed(1)} ms; CPU ${s.cpuMsPerCall.toFixed(2)} ms per call`);
  }

  const file = writeResults('cost', {
    pricesAsOf: PRICES_AS_OF,
    prices,
    goalUsdPerMillionWebhooks: GOAL_USD_PER_M_WEBHOOKS,
    scenarios: [webhook, llm].map((s) => ({
      name: s.name,
      calls: s.calls,
      memoryMb: s.memoryMb,
      commandsPerCall: Object.fromEntries(Object.entries(s.usage.commands).map(([k, n]) => [k, n / s.calls])),
      dynamodbUnitsPerCall: { read: s.usage.dynamodb.readUnits / s.calls, write: s.usage.dynamodb.writeUnits / s.calls },
      duration: { p50Ms: median(s.durationsMs), p90Ms: percentile(s.durationsMs, 90), meanMs: s.durationsMs.reduce((a, b) => a + b, 0) / s.durationsMs.length },
      cpuMsPerCall: s.cpuMsPerCall,
      logBytesPerCall: s.logBytesPerCall,
      kafkaBytesPerCall: { in: s.kafkaInBytesPerCall, out: s.kafkaOutBytesPerCall },
      lines: s.lines.map((l) => ({ ...l, usdPerMillion: l.usdPerCall * 1e6 })),
      usdPerMillion: totalOf(s) * 1e6,
    })),
    drainBatchesPerLlmCall: drainPerCall,
  });
  console.log(`wrote ${file}`);
  const webhookTotal = totalOf(webhook);
  const dominant = [...webhook.lines].sort((a, b) => b.usdPerCall - a.usdPerCall).slice(0, 3);
  console.log(`\nper 1M LLM calls (provider tokens excluded): $${(totalOf(llm) * 1e6).toFixed(2)}`);
  console.log(`Shopify webhooks: goal ≤ $${GOAL_USD_PER_M_WEBHOOKS.toFixed(2)} per 1M → ${webhookTotal * 1e6 <= GOAL_USD_PER_M_WEBHOOKS ? 'met' : 'NOT met'}; dominated by ${dominant.map((l) => `${l.item} (${money(l.usdPerCall)})`).join(', ')}`);
  console.log(`total: $${(webhookTotal * 1e6).toFixed(2)} per 1M Shopify webhooks`);
  await resetEnvironment();
  process.exit(0);
}

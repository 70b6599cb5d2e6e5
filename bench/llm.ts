/**
 * `npm run bench -- llm [--requests N]`: what the LLM gateway adds to a provider call, in one run.
 * The same fake OpenAI upstream (test/fakes/openai, real HTTP on 127.0.0.1) is called, interleaved
 * request by request:
 *   A. directly with the openai SDK (one client, keep-alive, retries off) — the baseline;
 *   B. through the text-generation handler (Middy stack, validation, catalog, key lookup, strategy
 *      engine, the same SDK, response normalisation, usage pricing and event) with its I/O edges
 *      answered in process (secrets cached, the usage event to a bus that returns at once);
 *   C. the same handler writing the usage event to the SQS outbox on moto, as deployed (the LLM functions
 *      never talk to Kafka; outbox-drain delivers).
 * Added latency = gateway percentile − direct percentile (goal: median ≤ 0.5 ms, p99 ≤ 2 ms for B).
 * The handler's own split (Server-Timing: time outside the provider call) is reported beside it.
 */
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { buildHttpApiEvent } from '../local/api-gateway-event';
import { lambdaContext } from '../local/lambda-context';
import type { EventBus } from '../shared/events/event-bus';
import { EventPublisher } from '../shared/events/publisher';
import { modelCatalog } from '../shared/llm/catalog';
import { Cooldowns } from '../shared/llm/cooldown';
import { llmHttpHandler } from '../shared/llm/http';
import { mediaFetcher } from '../shared/llm/inputs';
import { openaiProvider } from '../shared/llm/providers/openai';
import { defaultRetryPolicy } from '../shared/llm/retry-policy';
import { LlmService } from '../shared/llm/service';
import { SecretResolver } from '../shared/secrets/secret-resolver';
import type { SecretStore } from '../shared/secrets/secret-store';
import { MemoryTable } from '../shared/storage/memory-table';
import { WorkspaceDirectory } from '../shared/workspaces/workspace-directory';
import { startSet, testServices } from '../scripts/services/service-sets';
import { FakeOpenAi } from '../test/fakes/openai/fake-openai';
import { median, percentile, printTable, writeResults } from './report';

const KEY = 'sk-bench-0000000000000000';
const WORKSPACE = 'bench_llm';
const MESSAGES = [
  { role: 'system' as const, content: 'You are a concise assistant for a Shopify store owner.' },
  { role: 'user' as const, content: 'Summarise yesterday in one sentence: 42 orders, revenue 3120 USD, two refunds.' },
];

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string; headers?: Record<string, string> }>;

function service(baseUrl: string, publisher: EventPublisher): LlmService {
  const store: SecretStore = { get: async () => JSON.stringify({ api_key: KEY, base_url: baseUrl }), put: async () => undefined, list: async () => [], delete: async () => undefined };
  return new LlmService({
    catalog: modelCatalog(),
    providers: [openaiProvider],
    secrets: new SecretResolver({ store, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 3_600_000 }),
    publisher,
    cooldowns: new Cooldowns(),
    fetchMedia: mediaFetcher({ localMode: true, timeoutMs: 1000 }),
    vetBaseUrl: async () => undefined,
    workspaceFetch: globalThis.fetch,
    policy: defaultRetryPolicy,
    source: 'bench-llm',
  });
}

const event = () =>
  buildHttpApiEvent({
    method: 'POST',
    rawPath: '/v1/llm/text-generation',
    routeKey: 'POST /v1/llm/text-generation',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workspace_id: WORKSPACE, task_type: 'text_generation', provider: 'openai', model: 'gpt-4o', messages: MESSAGES, parameters: { max_tokens: 64, temperature: 0.2 } }),
  });

const gatewayMs = (headers: Record<string, string> | undefined) => Number(/gateway;dur=([\d.]+)/.exec(headers?.['server-timing'] ?? '')?.[1] ?? NaN);
const publishMs = (headers: Record<string, string> | undefined) => Number(/publish;dur=([\d.]+)/.exec(headers?.['server-timing'] ?? '')?.[1] ?? NaN);

interface Series {
  total: number[];
  gateway: number[];
  publish: number[];
}

export async function run(args: string[]): Promise<void> {
  const requestsArg = args.indexOf('--requests');
  const requests = requestsArg >= 0 ? Number(args[requestsArg + 1]) : 2000;
  const warmup = Math.min(300, Math.ceil(requests / 5));
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

  const fake = await FakeOpenAi.start({ keys: [KEY] });
  const direct = new OpenAI({ apiKey: KEY, baseURL: fake.baseUrl, maxRetries: 0, timeout: 10_000, organization: null, project: null });
  const nullBus: EventBus = { publish: async () => undefined, close: async () => undefined };
  const inProcess = llmHttpHandler('text_generation', () => svcB) as unknown as Handler;
  const svcB = service(fake.baseUrl, new EventPublisher({ bus: nullBus }));

  let viaOutbox: Handler | undefined;
  let outboxQueue: unknown;
  let emptyOutbox = async () => undefined as unknown;
  if (!args.includes('--no-outbox')) {
    const { awsEndpoint } = await startSet(await testServices());
    Object.assign(process.env, { AWS_ENDPOINT_URL: awsEndpoint, AWS_REGION: 'us-east-1', IONFLUX_BACKEND: 'aws', IONFLUX_RESOURCE_PREFIX: 'bench-llm' });
    const { provisionQueues } = await import('../local/provision');
    const { outboxPublisher, outbox } = await import('../shared/runtime/outbox');
    await provisionQueues();
    outboxQueue = outbox().queue;
    // moto keeps a queue's messages in a list and slows down as it grows (9 ms per send when empty,
    // ~50 ms after 800): the bench takes them out now and then, outside the timings (checking they came).
    let delivered = 0;
    emptyOutbox = async () => {
      for (let batch = await outbox().queue.receive(10); batch.length; batch = await outbox().queue.receive(10)) {
        for (const m of batch) await outbox().queue.delete(m.receiptHandle);
        delivered += batch.length;
      }
      return delivered;
    };
    await emptyOutbox(); // what an earlier run left
    delivered = 0;
    const svcC = service(fake.baseUrl, outboxPublisher());
    viaOutbox = llmHttpHandler('text_generation', () => svcC) as unknown as Handler;
  }
  const context = lambdaContext('llm-text-generation', 3600);

  const callDirect = async () => {
    const started = performance.now();
    const completion = await direct.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, max_completion_tokens: 64, temperature: 0.2 });
    const ms = performance.now() - started;
    if (!completion.choices[0]?.message.content) throw new Error('direct call answered nothing');
    return ms;
  };
  const callHandler = async (handler: Handler, series: Series) => {
    const e = event();
    const started = performance.now();
    const result = await handler(e, context);
    const ms = performance.now() - started;
    if (result.statusCode !== 200) throw new Error(`gateway answered ${result.statusCode}: ${result.body}`);
    series.total.push(ms);
    series.gateway.push(gatewayMs(result.headers));
    series.publish.push(publishMs(result.headers));
  };

  const directTimes: number[] = [];
  const b: Series = { total: [], gateway: [], publish: [] };
  const c: Series = { total: [], gateway: [], publish: [] };
  for (let i = 0; i < warmup; i++) {
    await callDirect();
    await callHandler(inProcess, { total: [], gateway: [], publish: [] });
    if (viaOutbox) await callHandler(viaOutbox, { total: [], gateway: [], publish: [] });
  }
  // Interleaved so machine noise hits every variant alike.
  for (let i = 0; i < requests; i++) {
    directTimes.push(await callDirect());
    await callHandler(inProcess, b);
    if (viaOutbox) await callHandler(viaOutbox, c);
    if (viaOutbox && i % 50 === 49) await emptyOutbox();
  }
  if (outboxQueue && (await emptyOutbox()) !== requests + warmup) throw new Error('not every usage event reached the outbox');
  await fake.close();

  const row = (name: string, xs: number[]) => [name, median(xs).toFixed(3), percentile(xs, 90).toFixed(3), percentile(xs, 99).toFixed(3)];
  const addedP50 = median(b.total) - median(directTimes);
  const addedP99 = percentile(b.total, 99) - percentile(directTimes, 99);
  const ok = addedP50 <= 0.5 && addedP99 <= 2;
  printTable(`LLM gateway vs the openai SDK calling the same fake upstream (${requests} requests each, interleaved; ms)`, ['path', 'p50', 'p90', 'p99'], [
    row('A. direct openai SDK', directTimes),
    row('B. gateway handler (I/O in process)', b.total),
    ...(viaOutbox ? [row('C. gateway handler + usage event to the SQS outbox (moto)', c.total)] : []),
  ]);
  const rows: Array<Array<string | number>> = [
    ['B − A  added latency', addedP50.toFixed(3), addedP99.toFixed(3), `median ≤ 0.5, p99 ≤ 2 → ${ok ? 'met' : 'NOT met'}`],
    ['B  in-handler overhead (Server-Timing gateway)', median(b.gateway).toFixed(3), percentile(b.gateway, 99).toFixed(3), ''],
  ];
  if (viaOutbox) {
    rows.push(['C − A  added latency', (median(c.total) - median(directTimes)).toFixed(3), (percentile(c.total, 99) - percentile(directTimes, 99)).toFixed(3), 'includes the SQS round trip']);
    rows.push(['C  of which usage event publish', median(c.publish).toFixed(3), percentile(c.publish, 99).toFixed(3), '']);
  }
  printTable('Added by the gateway (ms)', ['measure', 'p50', 'p99', 'goal'], rows);
  const summary = (xs: number[]) => ({ p50Ms: median(xs), p90Ms: percentile(xs, 90), p99Ms: percentile(xs, 99), maxMs: Math.max(...xs) });
  const file = writeResults('llm', {
    requests,
    warmup,
    goals: { addedMedianMs: 0.5, addedP99Ms: 2 },
    direct: summary(directTimes),
    gateway: { ...summary(b.total), inHandlerOverhead: summary(b.gateway) },
    added: { p50Ms: addedP50, p99Ms: addedP99, met: ok },
    ...(viaOutbox
      ? { gatewayWithOutbox: { ...summary(c.total), publish: summary(c.publish), addedP50Ms: median(c.total) - median(directTimes), addedP99Ms: percentile(c.total, 99) - percentile(directTimes, 99) } }
      : {}),
  });
  console.log(`\nwrote ${file}`);
  process.exit(0);
}

/**
 * `npm run bench -- audio [--requests N]`: what a cached `POST /v1/audio/generate-speech` costs over
 * handing out a presigned URL alone, in one run, against S3 on moto (this checkout's own, started if
 * needed). The audio is made once (fake OpenAI), then, interleaved request by request:
 *   A. a presigned GET URL alone (`getSignedUrl`: local signing, no network) — the floor;
 *   B. the S3 part of a cache hit alone: HeadObject (moto round trip) + presign;
 *   C. the cached generate-speech handler end to end (Middy stack, validation, voice catalog, chain,
 *      cache lookup on S3, presign, usage event to an in-process bus);
 *   D. the same with the usage event written to the SQS outbox on moto, as deployed.
 * Overhead = C (or D) percentile − A percentile; Server-Timing splits store / publish / gateway.
 */
import { performance } from 'node:perf_hooks';
import { buildHttpApiEvent } from '../local/api-gateway-event';
import { lambdaContext } from '../local/lambda-context';
import type { EventBus } from '../shared/events/event-bus';
import { EventPublisher } from '../shared/events/publisher';
import { audioBench } from './audio-setup';
import { median, percentile, printTable, writeResults } from './report';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string; headers?: Record<string, string> }>;

const timing = (headers: Record<string, string> | undefined, name: string) => Number(new RegExp(`${name};dur=([\\d.]+)`).exec(headers?.['server-timing'] ?? '')?.[1] ?? NaN);

export async function run(args: string[]): Promise<void> {
  const requestsArg = args.indexOf('--requests');
  const requests = requestsArg >= 0 ? Number(args[requestsArg + 1]) : 500;
  const warmup = Math.min(100, Math.ceil(requests / 5));
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

  const setup = await audioBench();
  const nullBus: EventBus = { publish: async () => undefined, close: async () => undefined };
  const inProcess = setup.handler(new EventPublisher({ bus: nullBus })) as unknown as Handler;
  const viaOutbox = setup.handler(setup.outboxPublisher) as unknown as Handler;
  const context = lambdaContext('audio-generate-speech', 3600);
  const event = () =>
    buildHttpApiEvent({ method: 'POST', rawPath: '/v1/audio/generate-speech', routeKey: 'POST /v1/audio/generate-speech', headers: { 'content-type': 'application/json' }, body: JSON.stringify(setup.request) });

  // The audio exists once: the first call makes it (fake provider), every later one is a cache hit.
  const first = await inProcess(event(), context);
  if (first.statusCode !== 200 || JSON.parse(first.body).cached !== false) throw new Error(`the first call did not make the audio: ${first.body}`);
  const key = setup.cacheKey(JSON.parse(first.body).audio_url as string);

  const time = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  const presign = () => setup.store.signedUrl(key, { expiresInS: 3600, contentType: 'audio/mpeg', deadline: Date.now() + 5000 });
  const headAndPresign = async () => {
    if (!(await setup.store.head(key, { deadline: Date.now() + 5000 }))) throw new Error('the cached object is gone');
    await presign();
  };
  const series = { a: [] as number[], b: [] as number[], c: [] as number[], d: [] as number[], cStore: [] as number[], cPublish: [] as number[], dStore: [] as number[], dPublish: [] as number[] };
  const callHandler = async (handler: Handler, total: number[], store: number[], publish: number[]) => {
    const started = performance.now();
    const result = await handler(event(), context);
    const ms = performance.now() - started;
    if (result.statusCode !== 200 || JSON.parse(result.body).cached !== true) throw new Error(`not a cache hit: ${result.statusCode} ${result.body}`);
    total.push(ms);
    store.push(timing(result.headers, 'store'));
    publish.push(timing(result.headers, 'publish'));
  };
  for (let i = 0; i < warmup; i++) {
    await presign();
    await headAndPresign();
    await callHandler(inProcess, [], [], []);
    await callHandler(viaOutbox, [], [], []);
  }
  for (let i = 0; i < requests; i++) {
    series.a.push(await time(presign));
    series.b.push(await time(headAndPresign));
    await callHandler(inProcess, series.c, series.cStore, series.cPublish);
    await callHandler(viaOutbox, series.d, series.dStore, series.dPublish);
    if (i % 50 === 49) await setup.emptyOutbox();
  }
  await setup.emptyOutbox();
  if (setup.providerCalls() !== 1) throw new Error(`the provider was called ${setup.providerCalls()} times; a cache hit must not call it`);
  await setup.stop();

  const row = (name: string, xs: number[]) => [name, median(xs).toFixed(3), percentile(xs, 90).toFixed(3), percentile(xs, 99).toFixed(3)];
  printTable(`Cached generate-speech vs a presigned URL alone (${requests} requests each, interleaved; S3 and SQS on moto; ms)`, ['path', 'p50', 'p90', 'p99'], [
    row('A. presigned URL alone (getSignedUrl)', series.a),
    row('B. HeadObject + presign (the cache hit’s S3 part)', series.b),
    row('C. cached generate-speech handler (usage event in process)', series.c),
    row('D. cached generate-speech handler + usage event to the SQS outbox', series.d),
  ]);
  const over = (xs: number[]) => [(median(xs) - median(series.a)).toFixed(3), (percentile(xs, 99) - percentile(series.a, 99)).toFixed(3)];
  printTable('Overhead over the presigned URL alone (ms)', ['measure', 'p50', 'p99'], [
    ['C − A', ...over(series.c)],
    ['D − A', ...over(series.d)],
    ['C  of which store (HeadObject + presign, Server-Timing)', median(series.cStore).toFixed(3), percentile(series.cStore, 99).toFixed(3)],
    ['D  of which usage event publish (SQS)', median(series.dPublish).toFixed(3), percentile(series.dPublish, 99).toFixed(3)],
  ]);
  const summary = (xs: number[]) => ({ p50Ms: median(xs), p90Ms: percentile(xs, 90), p99Ms: percentile(xs, 99), maxMs: Math.max(...xs) });
  const file = writeResults('audio', {
    requests,
    warmup,
    presignOnly: summary(series.a),
    headAndPresign: summary(series.b),
    cachedHandler: { ...summary(series.c), store: summary(series.cStore), overheadP50Ms: median(series.c) - median(series.a), overheadP99Ms: percentile(series.c, 99) - percentile(series.a, 99) },
    cachedHandlerWithOutbox: { ...summary(series.d), publish: summary(series.dPublish), overheadP50Ms: median(series.d) - median(series.a), overheadP99Ms: percentile(series.d, 99) - percentile(series.a, 99) },
  });
  console.log(`\nwrote ${file}`);
  process.exit(0);
}

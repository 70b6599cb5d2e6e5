/**
 * The fake Pinecone as a dev tool (in memory, like Pinecone Local, but speaking the v9 SDK's API 2026-07):
 *
 *   npx tsx test/fakes/pinecone/main.ts [--port 5081] [--key pclocal] [--index ionflux-memory:1536[:cosine]]…
 *                                       [--rps 100] [--mbps 50]   (per-namespace limits; 0 = none)
 *
 * It prints the secret and the settings that point `npm run dev` at it. Indexes given with --index exist
 * from the start (as if created in the console); others are created with POST /v1/memory/indexes.
 */
import { parseArgs } from 'node:util';
import { FakePinecone } from './fake-pinecone';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5081' },
      key: { type: 'string', default: 'pclocal' },
      index: { type: 'string', multiple: true },
      rps: { type: 'string', default: '100' },
      mbps: { type: 'string', default: '50' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a TCP port (got ${values.port})`);
  const limit = (v: string | undefined) => (Number(v) > 0 ? Number(v) : Infinity);
  const fake = await FakePinecone.start({
    keys: [values.key],
    port,
    retainBodies: false,
    namespaceRequestsPerSecond: limit(values.rps),
    namespaceUpsertBytesPerSecond: limit(values.mbps) * 1024 * 1024,
  });
  for (const spec of values.index ?? []) {
    const [name, dimension, metric] = spec.split(':');
    if (!name || !Number(dimension)) throw new Error(`--index takes name:dimension[:metric] (got ${spec})`);
    fake.addIndex({ name, dimension: Number(dimension), metric: (metric ?? 'cosine') as 'cosine' | 'dotproduct' | 'euclidean' });
  }
  const secret = JSON.stringify({ api_key: values.key, controller_host_url: fake.controllerUrl });
  console.log(
    [
      `fake Pinecone (API 2026-07, in memory) on ${fake.controllerUrl}`,
      `  indexes: ${[...fake.indexes.values()].map((i) => `${i.name} (${i.dimension}-d ${i.metric})`).join(', ') || 'none yet'}`,
      '',
      'point IONFLUX at it:',
      `  npx ionflux secrets set ionflux/platform/pinecone '${secret}'`,
      '  IONFLUX_VECTOR_STORE=pinecone npm run dev',
      '',
    ].join('\n'),
  );
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`fake pinecone: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

/**
 * The fake Pinecone as a dev tool (`npx ionflux dev fake pinecone`): control and data plane of API
 * 2026-07 in memory, as the v9 SDK speaks it, with Pinecone's limits and per-namespace rates. The indexes
 * of `--index` exist from the start (as if made in the console); others are created with
 * POST /v1/memory/indexes.
 */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakePinecone } from './fake-pinecone';

const KEY = 'pclocal';
const limit = (value: unknown) => (Number(value) > 0 ? Number(value) : Infinity);

export const pineconeDevFake: DevFake = {
  summary: 'Pinecone (API 2026-07): indexes, upsert/query/fetch/delete, namespaces; its limits and 429s, in memory',
  options: {
    'api-key': { type: 'string', description: 'the API key it accepts', default: KEY },
    index: { type: 'string', description: 'indexes that exist from the start: name:dimension[:metric], comma-separated', default: 'ionflux-memory:1536' },
    rps: { type: 'string', description: 'requests per second per namespace before a 429 (0: none)', default: '100' },
    mbps: { type: 'string', description: 'upserted MB per second per namespace before a 429 (0: none)', default: '50' },
  },
  async start({ port, secretRoot, values }) {
    const apiKey = String(values['api-key'] ?? KEY);
    const indexes = String(values.index ?? 'ionflux-memory:1536')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((spec) => {
        const [name, dimension, metric = 'cosine'] = spec.split(':');
        if (!name || !(Number(dimension) > 0) || !['cosine', 'dotproduct', 'euclidean'].includes(metric)) throw new Error(`--index takes name:dimension[:metric] (got ${spec})`);
        return { name, dimension: Number(dimension), metric: metric as 'cosine' | 'dotproduct' | 'euclidean' };
      });
    const fake = await FakePinecone.start({
      keys: [apiKey],
      port,
      retainBodies: false,
      namespaceRequestsPerSecond: limit(values.rps ?? 100),
      namespaceUpsertBytesPerSecond: limit(values.mbps ?? 50) * 1024 * 1024,
    });
    for (const index of indexes) fake.addIndex(index);
    return {
      origin: fake.controllerUrl,
      env: { IONFLUX_VECTOR_STORE: 'pinecone' },
      secrets: { [platformSecretName(secretRoot, 'pinecone')]: { api_key: apiKey, controller_host_url: fake.controllerUrl } },
      notes: [
        `indexes: ${indexes.map((i) => `${i.name} (${i.dimension}-d ${i.metric})`).join(', ') || 'none yet'}; each index's host is ${fake.controllerUrl}/data/default/<index>`,
        'the configured index must match the embedding model: IONFLUX_VECTOR_INDEX, IONFLUX_EMBEDDING_MODEL (docs/memory.md)',
      ],
      stop: () => fake.close(),
    };
  },
};

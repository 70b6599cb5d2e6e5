/**
 * The memory service of this execution environment. Settings (environment, all optional):
 *   IONFLUX_VECTOR_STORE               pinecone | embedded (default: pinecone in Lambda, embedded elsewhere)
 *   IONFLUX_VECTOR_INDEX               the index requests use by default (ionflux-memory)
 *   IONFLUX_VECTOR_INDEXES             other indexes a request may name with "index" (comma-separated)
 *   IONFLUX_EMBEDDING_MODEL            catalog model for texts when neither request nor index names one
 *                                      (text-embedding-3-small); the embedded store's configured index
 *                                      takes its dimension and metric
 *   IONFLUX_VECTOR_CLOUD, _REGION      where POST /v1/memory/indexes creates a serverless index (aws, us-east-1)
 *   IONFLUX_MEMORY_MAX_RETRIES         retries of one Pinecone call (default 5)
 *   IONFLUX_MEMORY_BACKOFF_BASE_MS     first backoff when Pinecone names no wait (default 200)
 *   IONFLUX_MEMORY_ATTEMPT_TIMEOUT_MS  longest single Pinecone call (default 10000; capped by the deadline)
 *   IONFLUX_MEMORY_NAMESPACE_RPS       calls per second per namespace (default 50; Pinecone allows ~100)
 *   IONFLUX_MEMORY_NAMESPACE_MBPS      upserted MB per second per namespace (default 40; Pinecone: 50)
 *   IONFLUX_MEMORY_NAMESPACE_IN_FLIGHT calls out at once per namespace (default 4)
 *   IONFLUX_MEMORY_MAX_IN_FLIGHT       calls out at once per execution environment (default 16)
 * The Pinecone key is the secret `<root>/platform/pinecone` = {"api_key", "controller_host_url"?}, or a
 * workspace's own (generic_secrets_config_json maps "pinecone").
 */
import path from 'node:path';
import { config } from '../config/env';
import { InvalidConfigError } from '../config/errors';
import { modelCatalog } from '../llm/catalog';
import { baseUrlGuard, guardedFetch } from '../llm/network-guard';
import { defaultRetryPolicy, type RetryPolicy } from '../llm/retry-policy';
import { INDEX_NAME } from '../memory/contract';
import { LlmEmbedder } from '../memory/embedder';
import { NamespacePacer } from '../memory/pacer';
import { PineconeStores } from '../memory/pinecone/pinecone-stores';
import { MemoryService, type MemorySettings, type StoreSource } from '../memory/service';
import type { Metric } from '../memory/vector-store';
import { embeddingService } from './embeddings';
import { setting } from './llm';
import { outboxPublisher } from './outbox';
import { perEnvironment } from './per-environment';
import { secretResolver } from './secrets';

function indexName(name: string, variable: string): string {
  if (!INDEX_NAME.test(name)) throw new InvalidConfigError(variable, `"${name}" is not an index name (lower-case letters, digits and "-", at most 45)`);
  return name;
}

export interface MemoryConfig extends MemorySettings {
  store: 'pinecone' | 'embedded';
  /** Dimension and metric of the default embedding model (the embedded store's configured index). */
  defaultDimension: number;
  defaultMetric: Metric;
  policy: RetryPolicy;
  pacing: { rps: number; bytesPerSecond: number; perNamespaceInFlight: number; maxInFlight: number };
}

export const memoryConfig = perEnvironment((): MemoryConfig => {
  const cfg = config();
  const store = process.env.IONFLUX_VECTOR_STORE || (cfg.localMode ? 'embedded' : 'pinecone');
  if (store !== 'pinecone' && store !== 'embedded') throw new InvalidConfigError('IONFLUX_VECTOR_STORE', `must be "pinecone" or "embedded" (got "${store}")`);
  const defaultIndex = indexName(process.env.IONFLUX_VECTOR_INDEX || 'ionflux-memory', 'IONFLUX_VECTOR_INDEX');
  const others = (process.env.IONFLUX_VECTOR_INDEXES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => indexName(s, 'IONFLUX_VECTOR_INDEXES'));
  const modelName = process.env.IONFLUX_EMBEDDING_MODEL || 'text-embedding-3-small';
  const model = modelCatalog().find(modelName)?.model;
  if (!model?.tasks.includes('embedding') || !model.embedding_dimensions) {
    throw new InvalidConfigError('IONFLUX_EMBEDDING_MODEL', `"${modelName}" is not an embedding model of the catalog`);
  }
  const retries = setting('IONFLUX_MEMORY_MAX_RETRIES', 5);
  const attemptTimeoutMs = setting('IONFLUX_MEMORY_ATTEMPT_TIMEOUT_MS', 10_000);
  return {
    store,
    defaultIndex,
    allowedIndexes: [...new Set([defaultIndex, ...others])],
    defaultEmbeddingModel: model.id,
    defaultDimension: model.embedding_dimensions,
    defaultMetric: model.embedding_metric ?? 'cosine',
    cloud: process.env.IONFLUX_VECTOR_CLOUD || 'aws',
    region: process.env.IONFLUX_VECTOR_REGION || 'us-east-1',
    policy: {
      ...defaultRetryPolicy,
      maxRetries: retries,
      baseDelayMs: setting('IONFLUX_MEMORY_BACKOFF_BASE_MS', 200),
      attemptTimeoutMs,
      minAttemptMs: Math.min(500, attemptTimeoutMs),
      fallbackReserveMs: 0,
    },
    pacing: {
      rps: setting('IONFLUX_MEMORY_NAMESPACE_RPS', 50),
      bytesPerSecond: setting('IONFLUX_MEMORY_NAMESPACE_MBPS', 40) * 1024 * 1024,
      perNamespaceInFlight: Math.max(1, setting('IONFLUX_MEMORY_NAMESPACE_IN_FLIGHT', 4)),
      maxInFlight: Math.max(1, setting('IONFLUX_MEMORY_MAX_IN_FLIGHT', 16)),
    },
  };
});

export const vectorStores = perEnvironment((): StoreSource => {
  const settings = memoryConfig();
  const cfg = config();
  if (settings.store === 'embedded') {
    // Lambda bundles are built with IONFLUX_LAMBDA_BUNDLE defined as "true" (infra/constructs/manifest-function.ts):
    // esbuild drops this branch and the embedded store with it, ~10 KB of code no deployed function runs.
    if (process.env.IONFLUX_LAMBDA_BUNDLE !== 'true') {
      const { EmbeddedVectorStore } = require('../memory/embedded/embedded-store') as typeof import('../memory/embedded/embedded-store');
      const { EmbeddedStores } = require('../memory/embedded/embedded-stores') as typeof import('../memory/embedded/embedded-stores');
      return new EmbeddedStores(
        new EmbeddedVectorStore({
          dir: path.join(cfg.home, 'vectors'),
          ensureIndex: { name: settings.defaultIndex, dimension: settings.defaultDimension, metric: settings.defaultMetric, embeddingModel: settings.defaultEmbeddingModel },
        }),
      );
    }
    throw new InvalidConfigError('IONFLUX_VECTOR_STORE', 'the embedded store is for running locally; deployed functions use "pinecone"');
  }
  return new PineconeStores({
    secrets: secretResolver(),
    policy: settings.policy,
    vetUrl: baseUrlGuard({ localMode: cfg.localMode }),
    workspaceFetch: guardedFetch({ localMode: cfg.localMode, what: 'the workspace Pinecone host' }),
  });
});

export const memoryService = perEnvironment(() => {
  const settings = memoryConfig();
  const { pacing } = settings;
  return new MemoryService({
    stores: vectorStores(),
    embedder: new LlmEmbedder(embeddingService),
    catalog: modelCatalog(),
    publisher: outboxPublisher(),
    pacer: new NamespacePacer(
      settings.store === 'pinecone'
        ? { maxInFlight: pacing.maxInFlight, perNamespaceInFlight: pacing.perNamespaceInFlight, requestsPerSecond: pacing.rps || Infinity, bytesPerSecond: pacing.bytesPerSecond || Infinity }
        : { maxInFlight: pacing.maxInFlight, perNamespaceInFlight: pacing.perNamespaceInFlight },
    ),
    settings,
    source: config().serviceName,
  });
});

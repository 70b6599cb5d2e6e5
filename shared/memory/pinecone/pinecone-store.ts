/**
 * The Pinecone backend for one credential (the platform key, or a workspace's own project key): the
 * official v9 SDK with its retries off (they cover 5xx only and ignore 429s and our deadline) and its
 * control-plane URL from the secret; the one retry loop is here, driven by the shared retry policy
 * (shared/llm/retry-policy.ts): 429s, 5xx, dropped connections and slow answers are retried with
 * backoff (Pinecone's Retry-After when it sends one) while a further attempt still fits before the
 * deadline; anything else is final. Each index's host and shape come from one describe call, cached.
 */
import { performance } from 'node:perf_hooks';
import type { Index, IndexModel, Pinecone, RecordMetadata } from '@pinecone-database/pinecone';
import { classifyFailure, decideRetry, type RetryPolicy } from '../../llm/retry-policy';
import { moduleLogger } from '../../observability/logger';
import { IndexExistsError, IndexNotFoundError, VectorStoreError } from '../errors';
import type { Metadata } from '../metadata';
import { namespaceFromStored, type WorkspaceNamespace, type WorkspacePrefix } from '../namespaces';
import type * as Sdk from './sdk';
import type {
  CallOptions,
  CreateIndexSpec,
  DeleteSelector,
  IndexDescription,
  Match,
  Metric,
  NamespaceSummary,
  QueryRequest,
  StoredRecord,
  Units,
  VectorRecord,
  VectorStore,
} from '../vector-store';
import { LIMITS } from '../contract';
import { BodyTooLargeError, onWire, type WireCall, wireFailure, wireFetch } from './wire';

const log = moduleLogger('memory');

let sdk: typeof Sdk | undefined;
const pineconeSdk = () => (sdk ??= require('./sdk') as typeof Sdk);

export interface PineconeStoreOptions {
  apiKey: string;
  /** The control plane (default https://api.pinecone.io); a fake's URL in tests and `npm run dev`. */
  controllerHostUrl?: string;
  /** Names the credential in errors and logs (never the key). */
  secretName: string;
  policy: RetryPolicy;
  /** How long a described index (host, dimension, metric) is reused. */
  describeTtlMs?: number;
  /** Called when Pinecone refuses the key (the cached secret is dropped: an operator may have rotated it). */
  onKeyRejected?: () => void;
  fetch?: () => typeof globalThis.fetch;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const MAX_UPSERT_BYTES = LIMITS.upsertBatchBytes;

/** The error of class `type` in a chain of causes (the SDK wraps what the fetch threw). */
function findCause<E extends Error>(error: unknown, type: new (...args: never[]) => E): E | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof type) return e;
  return undefined;
}

export class PineconeVectorStore implements VectorStore {
  readonly backend = 'pinecone' as const;
  private readonly client: Pinecone;
  private readonly described = new Map<string, { at: number; value: IndexDescription }>();
  private readonly handles = new Map<string, Index<RecordMetadata>>();

  constructor(private readonly options: PineconeStoreOptions) {
    const { Pinecone: Client } = pineconeSdk();
    this.client = new Client({
      apiKey: options.apiKey,
      ...(options.controllerHostUrl ? { controllerHostUrl: options.controllerHostUrl } : {}),
      maxRetries: 0,
      fetchApi: wireFetch(options.fetch),
      sourceTag: 'ionflux',
    });
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /**
   * One logical call with retries within the deadline. `what` names it in errors; `onStatus` may turn a
   * final HTTP status into a result (404 on a delete: nothing to delete) or a specific error.
   */
  private async call<T>(
    what: string,
    deadline: number,
    fn: () => Promise<T>,
    onStatus?: (status: number, message: string) => { value: T } | Error | undefined,
    maxBodyBytes?: number,
  ): Promise<T> {
    const { policy } = this.options;
    for (let retries = 0; ; retries++) {
      const remaining = deadline - this.now();
      if (remaining < Math.min(policy.minAttemptMs, 250)) {
        throw new VectorStoreError(503, 'vector_store_timeout', `no time left before the deadline for Pinecone ${what}`, { retryAfterS: 1 });
      }
      const timeoutMs = Math.min(policy.attemptTimeoutMs, remaining);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const wire: WireCall = { signal: controller.signal, ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}) };
      const started = performance.now();
      try {
        return await onWire(wire, fn);
      } catch (error) {
        if (findCause(error, BodyTooLargeError)) throw findCause(error, BodyTooLargeError);
        const cut = { timedOut: controller.signal.aborted, deadline: controller.signal.aborted && timeoutMs >= remaining - 5 };
        const failure = wireFailure(error, wire, cut);
        if (failure.kind === 'http' && onStatus) {
          const outcome = onStatus(failure.status!, failure.message);
          if (outcome instanceof Error) throw outcome;
          if (outcome) return outcome.value;
        }
        const cls = classifyFailure(failure);
        const decision = decideRetry(cls, failure, retries, this.now(), deadline, policy, this.options.random ?? Math.random);
        log.warn('pinecone call failed', {
          call: what,
          status: failure.status ?? null,
          kind: failure.kind,
          code: cls.code,
          attempt: retries + 1,
          latency_ms: Math.round(performance.now() - started),
          retry_in_ms: decision.retry ? decision.delayMs : null,
        });
        if (decision.retry) {
          await (this.options.sleep ?? sleepFor)(decision.delayMs);
          continue;
        }
        throw this.finalError(what, failure.status, cls.code, failure.message, retries + 1, error, failure.retryAfterMs);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  private finalError(what: string, status: number | undefined, code: string, message: string, attempts: number, cause: unknown, retryAfterMs?: number): Error {
    const details = { call: what, attempts, ...(status !== undefined ? { pinecone_status: status } : {}) };
    if (code === 'authentication_failed') {
      this.options.onKeyRejected?.();
      return new VectorStoreError(502, 'vector_store_auth_failed', `Pinecone refused the key in ${this.options.secretName} (${what})`, { details, cause });
    }
    if (code === 'permission_denied') return new VectorStoreError(502, 'vector_store_forbidden', `Pinecone does not let the key in ${this.options.secretName} do ${what}: ${message}`, { details, cause });
    if (code === 'quota_exceeded') return new VectorStoreError(502, 'vector_store_quota_exceeded', `Pinecone project quota reached (${what}): ${message}`, { details, cause });
    if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return new VectorStoreError(400, 'vector_store_rejected', `Pinecone rejected ${what}: ${message}`, { details, cause });
    }
    if (code === 'internal_error') return new VectorStoreError(500, 'internal_error', `Pinecone ${what} failed on our side: ${message}`, { details, cause });
    if (code === 'bad_response') return new VectorStoreError(502, 'vector_store_bad_response', `Pinecone answered ${what} with something unreadable: ${message}`, { details, cause });
    if (code === 'deadline_exceeded' || code === 'timeout') {
      return new VectorStoreError(503, 'vector_store_timeout', `Pinecone did not answer ${what} before the deadline (${attempts} attempt${attempts > 1 ? 's' : ''})`, { details, cause, retryAfterS: 1 });
    }
    return new VectorStoreError(503, 'vector_store_unavailable', `Pinecone ${what} failed after ${attempts} attempt${attempts > 1 ? 's' : ''}: ${message}`, {
      details,
      cause,
      retryAfterS: Math.max(1, (retryAfterMs ?? 1000) / 1000),
    });
  }

  private handle(index: IndexDescription): Index<RecordMetadata> {
    let handle = this.handles.get(index.name);
    if (!handle) {
      handle = this.client.index({ name: index.name, ...(index.host ? { host: index.host } : {}) });
      this.handles.set(index.name, handle);
    }
    return handle;
  }

  /** A 404 from an index's host: the index is gone; forget what we knew of it. */
  private forget(name: string): void {
    this.described.delete(name);
    this.handles.delete(name);
  }

  private dataCall<T>(index: IndexDescription, what: string, options: CallOptions, fn: (handle: Index<RecordMetadata>) => Promise<T>, maxBodyBytes?: number): Promise<T> {
    return this.call(
      `${what} on index ${index.name}`,
      options.deadline,
      () => fn(this.handle(index)),
      (status) => {
        if (status !== 404) return undefined;
        this.forget(index.name);
        return new IndexNotFoundError(index.name, 'create it with POST /v1/memory/indexes');
      },
      maxBodyBytes,
    );
  }

  /**
   * Deleting from a namespace Pinecone does not have answers 404, like a missing index: the control
   * plane tells them apart. The index is there, so there was nothing to delete.
   */
  private async deleting(index: IndexDescription, options: CallOptions, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      if (error instanceof IndexNotFoundError && (await this.describeIndex(index.name, options))) return;
      throw error;
    }
  }

  async describeIndex(name: string, options: CallOptions): Promise<IndexDescription | undefined> {
    const cached = this.described.get(name);
    if (cached && cached.value.ready && this.now() - cached.at < (this.options.describeTtlMs ?? 300_000)) return cached.value;
    const model = await this.call(`describe index ${name}`, options.deadline, () => this.client.indexes.describe(name), (status) =>
      status === 404 ? { value: undefined } : undefined,
    );
    if (!model) {
      this.forget(name);
      return undefined;
    }
    const value = describe(model);
    this.described.set(name, { at: this.now(), value });
    if (cached?.value.host !== value.host) this.handles.delete(name);
    return value;
  }

  async createIndex(spec: CreateIndexSpec, options: CallOptions): Promise<IndexDescription> {
    const model = await this.call(
      `create index ${spec.name}`,
      options.deadline,
      () =>
        this.client.indexes.create({
          name: spec.name,
          schema: { fields: { _values: { type: 'dense_vector', dimension: spec.dimension, metric: spec.metric } } },
          deployment: { deploymentType: 'managed', cloud: spec.cloud, region: spec.region },
          deletionProtection: spec.deletionProtection,
          ...(spec.embeddingModel ? { tags: { embedding_model: spec.embeddingModel } } : {}),
          waitUntilReady: false,
        }),
      (status) => (status === 409 ? new IndexExistsError(spec.name) : undefined),
    );
    this.forget(spec.name);
    return describe(model);
  }

  async deleteIndex(name: string, options: CallOptions): Promise<boolean> {
    const deleted = await this.call(
      `delete index ${name}`,
      options.deadline,
      async () => {
        await this.client.indexes.delete(name);
        return true;
      },
      (status) => (status === 404 ? { value: false } : undefined),
    );
    this.forget(name);
    return deleted;
  }

  /** One upsert request; a batch that serialises to more than Pinecone's 2 MB is split in two, unsent. */
  async upsert(index: IndexDescription, namespace: WorkspaceNamespace, records: VectorRecord[], options: CallOptions): Promise<Units> {
    const payload = records.map((r) => (r.metadata ? { id: r.id, values: r.values, metadata: r.metadata } : { id: r.id, values: r.values }));
    try {
      await this.dataCall(index, `upsert of ${records.length} record(s)`, options, (h) => h.upsert({ records: payload, namespace: namespace.stored }), MAX_UPSERT_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError) || records.length < 2) throw error;
      const half = Math.ceil(records.length / 2);
      await this.upsert(index, namespace, records.slice(0, half), options);
      await this.upsert(index, namespace, records.slice(half), options);
    }
    return {};
  }

  async query(index: IndexDescription, namespace: WorkspaceNamespace, request: QueryRequest, options: CallOptions): Promise<{ matches: Match[] } & Units> {
    const target = 'vector' in request.target ? { vector: request.target.vector } : { id: request.target.id };
    const result = await this.dataCall(index, 'query', options, (h) =>
      h.query({
        ...target,
        topK: request.topK,
        includeMetadata: request.includeMetadata,
        includeValues: request.includeValues,
        namespace: namespace.stored,
        ...(request.filter ? { filter: request.filter } : {}),
      }),
    );
    const matches = result.matches.map((m): Match => {
      const match: Match = { id: m.id, score: m.score ?? 0 };
      if (request.includeValues && m.values?.length) match.values = m.values;
      if (request.includeMetadata && m.metadata) match.metadata = m.metadata as Metadata;
      return match;
    });
    return { matches, ...readUnits(result.usage) };
  }

  async fetch(index: IndexDescription, namespace: WorkspaceNamespace, ids: string[], options: CallOptions): Promise<{ records: StoredRecord[] } & Units> {
    const result = await this.dataCall(index, `fetch of ${ids.length} id(s)`, options, (h) => h.fetch({ ids, namespace: namespace.stored }));
    const records: StoredRecord[] = [];
    for (const id of new Set(ids)) {
      const r = result.records[id];
      if (r) records.push({ id, values: r.values ?? [], ...(r.metadata ? { metadata: r.metadata as Metadata } : {}) });
    }
    return { records, ...readUnits(result.usage) };
  }

  async delete(index: IndexDescription, namespace: WorkspaceNamespace, selector: DeleteSelector, options: CallOptions): Promise<Units> {
    const ns = namespace.stored;
    await this.deleting(index, options, () =>
      this.dataCall(index, 'delete', options, (h) =>
        'all' in selector ? h.deleteAll({ namespace: ns }) : 'ids' in selector ? h.deleteMany({ ids: selector.ids, namespace: ns }) : h.deleteMany({ filter: selector.filter, namespace: ns }),
      ),
    );
    return {};
  }

  async listNamespaces(index: IndexDescription, prefix: WorkspacePrefix, options: CallOptions): Promise<NamespaceSummary[]> {
    const out: NamespaceSummary[] = [];
    let token: string | undefined;
    do {
      const page = await this.dataCall(index, 'list namespaces', options, (h) => h.listNamespaces({ prefix: prefix.prefix, limit: 100, ...(token ? { paginationToken: token } : {}) }));
      for (const ns of page.namespaces ?? []) {
        const namespace = ns.name === undefined ? undefined : namespaceFromStored(prefix, ns.name);
        // Pinecone's prefix is the filter; the check above keeps a name outside the workspace out regardless.
        // record_count is an int64, so a JSON string.
        const count = Number(ns.recordCount ?? 0);
        if (namespace && count > 0) out.push({ namespace, recordCount: count });
      }
      token = page.pagination?.next || undefined;
    } while (token);
    return out.sort((a, b) => (a.namespace.stored < b.namespace.stored ? -1 : 1));
  }

  async deleteNamespace(index: IndexDescription, namespace: WorkspaceNamespace, options: CallOptions): Promise<void> {
    await this.deleting(index, options, () => this.dataCall(index, 'delete namespace', options, (h) => h.deleteNamespace(namespace.stored)));
  }
}

function readUnits(usage: { readUnits?: number } | undefined): Units {
  return typeof usage?.readUnits === 'number' ? { readUnits: usage.readUnits } : {};
}

/** Pinecone's index model (2026-07: a schema with one dense_vector field) → our description. */
function describe(model: IndexModel): IndexDescription {
  const fields = (model.schema?.fields ?? {}) as Record<string, { type?: string; dimension?: number; metric?: string }>;
  const dense = fields._values ?? Object.values(fields).find((f) => f?.type === 'dense_vector');
  const tags = (model.tags ?? {}) as Record<string, string>;
  return {
    name: model.name,
    dimension: dense?.dimension ?? 0,
    metric: (dense?.metric ?? 'cosine') as Metric,
    ready: model.status?.ready ?? false,
    state: model.status?.state ?? 'Unknown',
    ...(model.host ? { host: model.host } : {}),
    ...(tags.embedding_model ? { embeddingModel: tags.embedding_model } : {}),
    ...(model.deletionProtection ? { deletionProtection: model.deletionProtection as 'enabled' | 'disabled' } : {}),
  };
}

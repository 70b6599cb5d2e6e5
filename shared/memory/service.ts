/**
 * The vector memory service: every route's work, the same for both backends. A call names its namespace
 * (rendered under the workspace's prefix: namespaces.ts) and optionally an index from the allow-list;
 * the request is checked in full (records, dimension against the index, metadata, filter, Pinecone's
 * limits) before anything is embedded or written; texts are embedded through the LLM engine in process;
 * backend calls go through the per-namespace pacer; one `vector.usage.recorded` event per call that
 * reached the backend. Dependencies come in as arguments (see shared/runtime/memory.ts).
 */
import { performance } from 'node:perf_hooks';
import { errorMessage, IonfluxError } from '../errors';
import { createPlatformEvent } from '../events/platform-event';
import type { OutgoingEvent } from '../events/publisher';
import { topics } from '../events/topics';
import type { ModelCatalog } from '../llm/catalog';
import { unknownModel } from '../llm/errors';
import { moduleLogger } from '../observability/logger';
import { type CreateIndexBody, type DeleteBody, type FetchBody, INDEX_NAME, LIMITS, type QueryBody, type UpsertBody } from './contract';
import type { Embedder } from './embedder';
import { IndexNotFoundError, MemoryRequestError, VectorStoreError } from './errors';
import { compileFilter, type Filter } from './filter';
import type { Metadata } from './metadata';
import { type NamespaceRef, type WorkspaceNamespace, workspaceNamespace, workspacePrefix } from './namespaces';
import type { NamespacePacer } from './pacer';
import { checkIds, checkRecords, dimensionMismatch, idProblem, toBatches, vectorProblem } from './records';
import { type MemoryOperation, VECTOR_USAGE_EVENT_TYPE, VECTOR_USAGE_TOPIC, type VectorUsageInput, vectorUsagePayload } from './usage';
import type { Backend, DeleteSelector, IndexDescription, Metric, QueryTarget, StoredRecord, Units, VectorRecord, VectorStore } from './vector-store';

const log = moduleLogger('memory');

export interface MemorySettings {
  /** IONFLUX_VECTOR_INDEX (default ionflux-memory). */
  defaultIndex: string;
  /** Indexes a request may name (the default index included). */
  allowedIndexes: readonly string[];
  /** Catalog model for texts when neither the request nor the index names one. */
  defaultEmbeddingModel: string;
  /** Where POST /v1/memory/indexes puts a serverless index unless the request says. */
  cloud: string;
  region: string;
}

/** Which store serves a call: the workspace's (its own Pinecone project when it maps one) or the platform's. */
export interface StoreSource {
  readonly backend: Backend;
  forWorkspace(workspaceId: string): Promise<VectorStore>;
  forPlatform(): Promise<VectorStore>;
}

export interface MemoryServiceDeps {
  stores: StoreSource;
  embedder: Embedder;
  catalog: ModelCatalog;
  publisher: { publish(events: OutgoingEvent[], options: { deadline: number }): Promise<unknown> };
  pacer: NamespacePacer;
  settings: MemorySettings;
  /** source_service_name of usage events. */
  source: string;
}

export interface MemoryCall {
  requestId: string;
  /** Epoch ms by which the response must be on its way. */
  deadline: number;
  callerArn?: string;
}

/** Time kept after the backend calls to publish the usage event. */
const PUBLISH_RESERVE_MS = 1500;

interface Tally {
  records: number;
  requests: number;
  units: Units;
  embedding?: VectorUsageInput['embedding'];
}

const addUnits = (into: Units, u: Units) => {
  if (u.readUnits !== undefined) into.readUnits = (into.readUnits ?? 0) + u.readUnits;
  if (u.writeUnits !== undefined) into.writeUnits = (into.writeUnits ?? 0) + u.writeUnits;
};

const usageOut = (u: Units) => (u.readUnits !== undefined || u.writeUnits !== undefined ? { usage: { read_units: u.readUnits ?? null, write_units: u.writeUnits ?? null } } : {});

/** The error that decides the answer when several batches failed: the one the caller must act on first. */
function worst(errors: unknown[]): unknown {
  const rank = (e: unknown) => (e instanceof IonfluxError ? (e.status === 400 ? 3 : e.status === 404 ? 2 : e.status >= 500 ? 1 : 0) : 4);
  return [...errors].sort((a, b) => rank(b) - rank(a))[0];
}

export class MemoryService {
  constructor(private readonly deps: MemoryServiceDeps) {}

  private backendDeadline(call: MemoryCall): number {
    return call.deadline - PUBLISH_RESERVE_MS;
  }

  private indexName(requested: string | undefined): string {
    const { settings } = this.deps;
    const name = requested ?? settings.defaultIndex;
    if (!settings.allowedIndexes.includes(name)) {
      throw new MemoryRequestError('index_not_allowed', `index "${name}" is not one this service may use (allowed: ${settings.allowedIndexes.join(', ')}; IONFLUX_VECTOR_INDEXES)`, {
        index: name,
        allowed: settings.allowedIndexes,
      });
    }
    return name;
  }

  private async index(store: VectorStore, name: string, deadline: number): Promise<IndexDescription> {
    const index = await store.describeIndex(name, { deadline });
    if (!index) throw new IndexNotFoundError(name, store.backend === 'pinecone' ? 'create it with POST /v1/memory/indexes' : '');
    if (!index.ready) throw new VectorStoreError(503, 'index_not_ready', `vector index "${name}" is ${index.state}, not ready yet`, { retryAfterS: 5, details: { index: name, state: index.state } });
    return index;
  }

  private paced<T>(store: VectorStore, index: IndexDescription, ns: WorkspaceNamespace, what: string, deadline: number, fn: () => Promise<T>, bytes = 0): Promise<T> {
    return this.deps.pacer.run(`${store.backend}:${index.host ?? index.name}:${ns.stored}`, { bytes, deadline, what }, fn);
  }

  /** Resolves an embedding model for this index: the request's, the index's, or the default; dimension checked. */
  private embeddingModel(requested: string | undefined, index: IndexDescription): string {
    const name = requested ?? index.embeddingModel ?? this.deps.settings.defaultEmbeddingModel;
    const found = this.deps.catalog.find(name);
    if (!found) throw unknownModel(name, this.deps.catalog.ids());
    const model = found.model;
    if (!model.tasks.includes('embedding') || !model.embedding_dimensions) {
      throw new MemoryRequestError('not_an_embedding_model', `model "${name}" does not make embeddings`, { model: name });
    }
    if (model.embedding_dimensions !== index.dimension) {
      throw new MemoryRequestError(
        'dimension_mismatch',
        `embedding model ${model.id} makes ${model.embedding_dimensions} dimensions; index ${index.name} has ${index.dimension}`,
        { index: index.name, index_dimension: index.dimension, model: model.id, dimension: model.embedding_dimensions },
      );
    }
    return model.id;
  }

  /** Runs `fn`, then publishes the usage event (also when it failed after reaching the backend). */
  private async withUsage<T>(
    workspaceId: string,
    operation: MemoryOperation,
    call: MemoryCall,
    where: { backend: Backend; index: string; namespace?: string },
    tally: Tally,
    fn: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    let error: unknown;
    try {
      return await fn();
    } catch (e) {
      error = e;
      throw e;
    } finally {
      if (tally.requests > 0 || tally.embedding) {
        await this.publishUsage(workspaceId, call, {
          requestId: call.requestId,
          operation,
          backend: where.backend,
          index: where.index,
          ...(where.namespace !== undefined ? { namespace: where.namespace } : {}),
          records: tally.records,
          requests: tally.requests,
          ...tally.units,
          ...(tally.embedding ? { embedding: tally.embedding } : {}),
          status: error === undefined ? 'success' : 'error',
          ...(error instanceof IonfluxError ? { errorCode: error.code } : error !== undefined ? { errorCode: 'internal_error' } : {}),
          latencyMs: Math.round(performance.now() - started),
          ...(call.callerArn ? { callerArn: call.callerArn } : {}),
        });
      }
    }
  }

  private async publishUsage(workspaceId: string, call: MemoryCall, input: VectorUsageInput): Promise<void> {
    try {
      const event = createPlatformEvent({ idParts: [call.requestId], eventType: VECTOR_USAGE_EVENT_TYPE, workspaceId, source: this.deps.source, payload: vectorUsagePayload(input) });
      await this.deps.publisher.publish([{ topic: topics.platform(VECTOR_USAGE_TOPIC), key: workspaceId, event }], { deadline: call.deadline });
    } catch (error) {
      // The work is done (and billed by Pinecone): the caller gets the result; the record stays in the logs.
      log.error('vector usage event could not be published', { reason: errorMessage(error), usage_event: vectorUsagePayload(input) });
    }
  }

  private async scope(workspaceId: string, ref: NamespaceRef & { index?: string | undefined }, deadline: number) {
    const namespace = workspaceNamespace(workspaceId, ref);
    const indexName = this.indexName(ref.index);
    const store = await this.deps.stores.forWorkspace(namespace.workspaceId);
    return { namespace, indexName, store, index: () => this.index(store, indexName, deadline) };
  }

  async upsert(workspaceId: string, body: UpsertBody, call: MemoryCall) {
    const deadline = this.backendDeadline(call);
    const { namespace, indexName, store, index: describe } = await this.scope(workspaceId, body, deadline);
    const index = await describe();
    const pending = checkRecords(body.records, index);
    const texts = pending.filter((r) => r.text !== undefined);
    const model = texts.length ? this.embeddingModel(body.embedding_model, index) : undefined;
    const tally: Tally = { records: 0, requests: 0, units: {} };
    return this.withUsage(workspaceId, 'upsert', call, { backend: store.backend, index: index.name, namespace: namespace.relative }, tally, async () => {
      if (model) {
        const embedded = await this.deps.embedder.embed(
          texts.map((r) => r.text!),
          {
            workspaceId: namespace.workspaceId,
            model,
            requestId: call.requestId,
            deadline,
            ...(call.callerArn ? { callerArn: call.callerArn } : {}),
            metadata: { source: 'memory', operation: 'upsert', index: index.name, namespace: namespace.relative },
          },
        );
        tally.embedding = { model: embedded.model, texts: texts.length, inputTokens: embedded.inputTokens };
        embedded.vectors.forEach((vector, i) => {
          if (vector.length !== index.dimension) {
            throw new VectorStoreError(502, 'embedding_dimension_mismatch', `${embedded.model} returned ${vector.length} dimensions for records with text; index ${index.name} has ${index.dimension}`);
          }
          texts[i]!.values = vector;
        });
      }
      const records: VectorRecord[] = pending.map((r) => (r.metadata ? { id: r.id, values: r.values!, metadata: r.metadata } : { id: r.id, values: r.values! }));
      const batches = toBatches(records);
      const settled = await Promise.allSettled(
        batches.map((batch) =>
          this.paced(store, index, namespace, `an upsert of ${batch.records.length} record(s)`, deadline, async () => {
            tally.requests++;
            const units = await store.upsert(index, namespace, batch.records, { deadline });
            tally.records += batch.records.length;
            addUnits(tally.units, units);
          }, batch.bytes),
        ),
      );
      const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ batch: batches[i]!, reason: s.reason as unknown }] : []));
      if (failed.length) {
        const cause = worst(failed.map((f) => f.reason));
        const status = cause instanceof IonfluxError ? cause.status : 500;
        const code = cause instanceof IonfluxError ? cause.code : 'internal_error';
        const details = {
          upserted: tally.records,
          failed_records: failed.reduce((n, f) => n + f.batch.records.length, 0),
          failed_batches: failed.map((f) => ({
            records: f.batch.records.length,
            first_id: f.batch.records[0]!.id,
            last_id: f.batch.records.at(-1)!.id,
            error: f.reason instanceof IonfluxError ? f.reason.code : 'internal_error',
          })),
          namespace: namespace.relative,
        };
        const retryAfter = cause instanceof IonfluxError ? cause.headers?.['retry-after'] : undefined;
        throw new VectorStoreError(
          status,
          code,
          `${failed.length} of ${batches.length} batch(es) could not be written (${details.failed_records} record(s); ${tally.records} written): ${errorMessage(cause)}. Upserts are idempotent: send the request again.`,
          { details, cause, ...(retryAfter ? { retryAfterS: Number(retryAfter) } : {}) },
        );
      }
      return {
        upserted: tally.records,
        namespace: namespace.relative,
        index: index.name,
        ...(tally.embedding ? { embedded: { model: tally.embedding.model, texts: tally.embedding.texts, input_tokens: tally.embedding.inputTokens } } : {}),
      };
    });
  }

  async query(workspaceId: string, body: QueryBody, call: MemoryCall) {
    const deadline = this.backendDeadline(call);
    const { namespace, store, index: describe } = await this.scope(workspaceId, body, deadline);
    const given = [body.vector !== undefined, body.text !== undefined, body.id !== undefined].filter(Boolean).length;
    if (given !== 1) throw new MemoryRequestError('invalid_query', 'query by exactly one of "vector", "text" or "id"');
    const includeMetadata = body.include_metadata ?? true;
    const includeValues = body.include_values ?? false;
    if ((includeMetadata || includeValues) && body.top_k > LIMITS.topKWithData) {
      throw new MemoryRequestError('top_k_too_large', `top_k is at most ${LIMITS.topKWithData} when metadata or values come back (set include_metadata and include_values to false for up to ${LIMITS.topK})`, {
        top_k: body.top_k,
      });
    }
    const filter = body.filter as Filter | undefined;
    if (filter !== undefined) compileFilter(filter);
    if (body.id !== undefined) {
      const issue = idProblem(body.id, 'id');
      if (issue) throw new MemoryRequestError('invalid_query', issue);
    }
    const index = await describe();
    let target: QueryTarget;
    if (body.vector) {
      if (body.vector.length !== index.dimension) throw dimensionMismatch('vector', body.vector.length, index);
      const issue = vectorProblem(body.vector, 'vector', index.metric);
      if (issue) throw new MemoryRequestError('invalid_query', issue);
      target = { vector: body.vector as number[] };
    } else if (body.id !== undefined) target = { id: body.id };
    else target = { vector: [] };
    const model = body.text !== undefined ? this.embeddingModel(body.embedding_model, index) : undefined;
    const tally: Tally = { records: 0, requests: 0, units: {} };
    return this.withUsage(workspaceId, 'query', call, { backend: store.backend, index: index.name, namespace: namespace.relative }, tally, async () => {
      if (model) {
        const embedded = await this.deps.embedder.embed([body.text!], {
          workspaceId: namespace.workspaceId,
          model,
          requestId: call.requestId,
          deadline,
          ...(call.callerArn ? { callerArn: call.callerArn } : {}),
          metadata: { source: 'memory', operation: 'query', index: index.name, namespace: namespace.relative },
        });
        tally.embedding = { model: embedded.model, texts: 1, inputTokens: embedded.inputTokens };
        const vector = embedded.vectors[0]!;
        if (vector.length !== index.dimension) throw new VectorStoreError(502, 'embedding_dimension_mismatch', `${embedded.model} returned ${vector.length} dimensions; index ${index.name} has ${index.dimension}`);
        target = { vector };
      }
      const result = await this.paced(store, index, namespace, 'a query', deadline, () => {
        tally.requests++;
        return store.query(index, namespace, { target, topK: body.top_k, ...(filter ? { filter } : {}), includeMetadata, includeValues }, { deadline });
      });
      tally.records = result.matches.length;
      addUnits(tally.units, result);
      return {
        matches: result.matches.map((m) => ({ id: m.id, score: m.score, ...(m.metadata ? { metadata: m.metadata } : {}), ...(m.values ? { values: m.values } : {}) })),
        namespace: namespace.relative,
        index: index.name,
        ...usageOut(tally.units),
      };
    });
  }

  async fetch(workspaceId: string, body: FetchBody, call: MemoryCall) {
    const deadline = this.backendDeadline(call);
    const { namespace, store, index: describe } = await this.scope(workspaceId, body, deadline);
    const ids = checkIds(body.ids);
    const index = await describe();
    const tally: Tally = { records: 0, requests: 0, units: {} };
    return this.withUsage(workspaceId, 'fetch', call, { backend: store.backend, index: index.name, namespace: namespace.relative }, tally, async () => {
      const result = await this.paced(store, index, namespace, 'a fetch', deadline, () => {
        tally.requests++;
        return store.fetch(index, namespace, ids, { deadline });
      });
      tally.records = result.records.length;
      addUnits(tally.units, result);
      const found = new Set(result.records.map((r) => r.id));
      return {
        records: result.records.map((r: StoredRecord) => ({ id: r.id, values: r.values, ...(r.metadata ? { metadata: r.metadata as Metadata } : {}) })),
        missing: ids.filter((id) => !found.has(id)),
        namespace: namespace.relative,
        index: index.name,
        ...usageOut(tally.units),
      };
    });
  }

  async delete(workspaceId: string, body: DeleteBody, call: MemoryCall) {
    const deadline = this.backendDeadline(call);
    const { namespace, store, index: describe } = await this.scope(workspaceId, body, deadline);
    const given = [body.ids !== undefined, body.filter !== undefined, body.all !== undefined].filter(Boolean).length;
    if (given !== 1) throw new MemoryRequestError('invalid_delete', 'delete by exactly one of "ids", "filter" or "all": true');
    let selector: DeleteSelector;
    if (body.ids) {
      selector = { ids: checkIds(body.ids) };
    } else if (body.filter) {
      compileFilter(body.filter);
      selector = { filter: body.filter as Filter };
    } else selector = { all: true };
    const index = await describe();
    const tally: Tally = { records: 'ids' in selector ? selector.ids.length : 0, requests: 0, units: {} };
    return this.withUsage(workspaceId, 'delete', call, { backend: store.backend, index: index.name, namespace: namespace.relative }, tally, async () => {
      await this.paced(store, index, namespace, 'a delete', deadline, () => {
        tally.requests++;
        return store.delete(index, namespace, selector, { deadline });
      });
      return {
        deleted: 'ids' in selector ? 'ids' : 'filter' in selector ? 'filter' : 'all',
        ...('ids' in selector ? { ids: selector.ids.length } : {}),
        namespace: namespace.relative,
        index: index.name,
      };
    });
  }

  async stats(workspaceId: string, query: { index?: string | undefined }, call: MemoryCall) {
    const deadline = this.backendDeadline(call);
    const prefix = workspacePrefix(workspaceId);
    const indexName = this.indexName(query.index);
    const store = await this.deps.stores.forWorkspace(prefix.workspaceId);
    const index = await this.index(store, indexName, deadline);
    const tally: Tally = { records: 0, requests: 0, units: {} };
    return this.withUsage(workspaceId, 'stats', call, { backend: store.backend, index: index.name }, tally, async () => {
      tally.requests++;
      const namespaces = await store.listNamespaces(index, prefix, { deadline });
      tally.records = namespaces.length;
      return {
        workspace_id: prefix.workspaceId,
        index: index.name,
        dimension: index.dimension,
        metric: index.metric,
        backend: store.backend,
        namespaces: namespaces.map((n) => ({ namespace: n.namespace.relative, record_count: n.recordCount })),
        total_record_count: namespaces.reduce((n, s) => n + s.recordCount, 0),
      };
    });
  }

  /**
   * Offboarding: every namespace the workspace owns, in every allowed index, in its own Pinecone project
   * and in the platform's (where it kept records before mapping its own key). Idempotent: when time runs
   * out, what is done stays done and the answer is 503 (call again).
   */
  async deleteWorkspace(workspaceId: string, call: MemoryCall) {
    const deadline = this.backendDeadline(call);
    const prefix = workspacePrefix(workspaceId);
    const own = await this.deps.stores.forWorkspace(prefix.workspaceId);
    const platform = await this.deps.stores.forPlatform();
    const stores = own === platform ? [own] : [own, platform];
    const removed: Array<{ index: string; namespace: string; records: number }> = [];
    const tally: Tally = { records: 0, requests: 0, units: {} };
    return this.withUsage(workspaceId, 'delete_workspace', call, { backend: own.backend, index: this.deps.settings.allowedIndexes.join(',') }, tally, async () => {
      for (const store of stores) {
        for (const name of this.deps.settings.allowedIndexes) {
          tally.requests++;
          const index = await store.describeIndex(name, { deadline });
          if (!index) continue;
          tally.requests++;
          const namespaces = await store.listNamespaces(index, prefix, { deadline });
          for (const { namespace, recordCount } of namespaces) {
            if (deadline - Date.now() < 1000) {
              throw new VectorStoreError(503, 'offboarding_incomplete', `removed ${removed.length} namespace(s) of workspace ${prefix.workspaceId} before the deadline; more remain: call again`, {
                retryAfterS: 1,
                details: { removed },
              });
            }
            await this.paced(store, index, namespace, 'a namespace deletion', deadline, () => {
              tally.requests++;
              return store.deleteNamespace(index, namespace, { deadline });
            });
            removed.push({ index: index.name, namespace: namespace.relative, records: recordCount });
            tally.records++;
          }
        }
      }
      return { workspace_id: prefix.workspaceId, deleted_namespaces: removed, deleted_records: removed.reduce((n, r) => n + r.records, 0) };
    });
  }

  // -- admin (platform key only) ------------------------------------------------------------------

  async createIndex(body: CreateIndexBody, call: MemoryCall) {
    if (!INDEX_NAME.test(body.name)) {
      throw new MemoryRequestError('invalid_index_name', `index name "${body.name}" must be 1–45 lower-case letters, digits or "-", starting and ending with a letter or digit`);
    }
    let dimension = body.dimension;
    let metric: Metric | undefined = body.metric;
    let embeddingModel: string | undefined;
    if (body.embedding_model !== undefined) {
      const found = this.deps.catalog.find(body.embedding_model);
      if (!found) throw unknownModel(body.embedding_model, this.deps.catalog.ids());
      const model = found.model;
      if (!model.tasks.includes('embedding') || !model.embedding_dimensions) throw new MemoryRequestError('not_an_embedding_model', `model "${body.embedding_model}" does not make embeddings`);
      if (dimension !== undefined && dimension !== model.embedding_dimensions) {
        throw new MemoryRequestError('dimension_mismatch', `embedding model ${model.id} makes ${model.embedding_dimensions} dimensions, not ${dimension}`, {
          model: model.id,
          dimension: model.embedding_dimensions,
          requested: dimension,
        });
      }
      dimension = model.embedding_dimensions;
      metric ??= model.embedding_metric ?? 'cosine';
      embeddingModel = model.id;
    }
    if (dimension === undefined || metric === undefined) {
      throw new MemoryRequestError('invalid_index', 'give "embedding_model" (dimension and metric from the catalog), or both "dimension" and "metric"');
    }
    const store = await this.deps.stores.forPlatform();
    const created = await store.createIndex(
      {
        name: body.name,
        dimension,
        metric,
        ...(embeddingModel ? { embeddingModel } : {}),
        cloud: body.cloud ?? this.deps.settings.cloud,
        region: body.region ?? this.deps.settings.region,
        deletionProtection: body.deletion_protection ?? 'disabled',
      },
      { deadline: this.backendDeadline(call) },
    );
    log.info('vector index created', { index: created.name, dimension, metric, embedding_model: embeddingModel ?? null, backend: store.backend });
    return describeOut(created, store.backend);
  }

  async describeIndex(name: string, call: MemoryCall) {
    const store = await this.deps.stores.forPlatform();
    const index = await store.describeIndex(name, { deadline: this.backendDeadline(call) });
    if (!index) throw new IndexNotFoundError(name, '');
    return describeOut(index, store.backend);
  }

  async deleteIndex(name: string, call: MemoryCall) {
    const store = await this.deps.stores.forPlatform();
    if (!(await store.deleteIndex(name, { deadline: this.backendDeadline(call) }))) throw new IndexNotFoundError(name, '');
    log.info('vector index deleted', { index: name, backend: store.backend });
    return { deleted: name };
  }
}

function describeOut(index: IndexDescription, backend: Backend) {
  return {
    name: index.name,
    dimension: index.dimension,
    metric: index.metric,
    ready: index.ready,
    state: index.state,
    embedding_model: index.embeddingModel ?? null,
    host: index.host ?? null,
    deletion_protection: index.deletionProtection ?? null,
    backend,
  };
}

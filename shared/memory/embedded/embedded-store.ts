/**
 * The embedded vector store (`IONFLUX_VECTOR_STORE=embedded`, the default under `npm run dev`): exact
 * cosine / dot-product / euclidean search over every record, persisted under `<home>/vectors/`:
 *   <index>/index.json          name, dimension, metric, embedding model
 *   <index>/ns/<sha256>.log     one namespace (namespace-log.ts); its name is in the file's header
 * Same contract, namespace rules and filter language as the Pinecone store, so agents behave the same
 * locally. The configured index (`ensureIndex`) exists from the first call.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { IndexExistsError } from '../errors';
import { compileFilter } from '../filter';
import { namespaceFromStored, type WorkspaceNamespace, type WorkspacePrefix } from '../namespaces';
import type {
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
import { deleteFrame, NamespaceLog, readHeader, upsertFrame } from './namespace-log';
import { float32ToNumber } from './vector-table';

interface IndexFile {
  name: string;
  dimension: number;
  metric: Metric;
  embedding_model?: string;
  created_at: string;
}

export interface EmbeddedStoreOptions {
  /** `<home>/vectors`. */
  dir: string;
  /** Created on first use when absent (the configured index, with the default model's dimension and metric). */
  ensureIndex?: Pick<CreateIndexSpec, 'name' | 'dimension' | 'metric' | 'embeddingModel'>;
  clock?: () => number;
}

const values = (row: Float32Array): number[] => Array.from(row, float32ToNumber);

export class EmbeddedVectorStore implements VectorStore {
  readonly backend = 'embedded' as const;
  private readonly logs = new Map<string, NamespaceLog>();
  /** Per index folder: log file name → namespace name (headers read once). */
  private readonly names = new Map<string, Map<string, string>>();

  constructor(private readonly options: EmbeddedStoreOptions) {}

  private indexDir(name: string): string {
    return path.join(this.options.dir, name);
  }

  private readIndex(name: string): IndexFile | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.indexDir(name), 'index.json'), 'utf8')) as IndexFile;
    } catch {
      return undefined;
    }
  }

  private describe(file: IndexFile): IndexDescription {
    return {
      name: file.name,
      dimension: file.dimension,
      metric: file.metric,
      ready: true,
      state: 'Ready',
      ...(file.embedding_model ? { embeddingModel: file.embedding_model } : {}),
    };
  }

  private writeIndex(spec: Pick<CreateIndexSpec, 'name' | 'dimension' | 'metric' | 'embeddingModel'>): IndexDescription {
    const dir = this.indexDir(spec.name);
    fs.mkdirSync(path.join(dir, 'ns'), { recursive: true });
    const file: IndexFile = {
      name: spec.name,
      dimension: spec.dimension,
      metric: spec.metric,
      ...(spec.embeddingModel ? { embedding_model: spec.embeddingModel } : {}),
      created_at: new Date((this.options.clock ?? Date.now)()).toISOString(),
    };
    const tmp = path.join(dir, `index.json.${process.pid}.tmp`);
    fs.writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
    fs.renameSync(tmp, path.join(dir, 'index.json'));
    return this.describe(file);
  }

  async describeIndex(name: string): Promise<IndexDescription | undefined> {
    const file = this.readIndex(name);
    if (file) return this.describe(file);
    const ensure = this.options.ensureIndex;
    return ensure && ensure.name === name ? this.writeIndex(ensure) : undefined;
  }

  async createIndex(spec: CreateIndexSpec): Promise<IndexDescription> {
    if (this.readIndex(spec.name)) throw new IndexExistsError(spec.name);
    return this.writeIndex(spec);
  }

  async deleteIndex(name: string): Promise<boolean> {
    const dir = this.indexDir(name);
    if (!fs.existsSync(dir)) return false;
    for (const key of [...this.logs.keys()]) if (key.startsWith(`${name}/`)) this.logs.delete(key);
    this.names.delete(name);
    fs.rmSync(dir, { recursive: true, force: true });
    return true;
  }

  private fileName(namespace: string): string {
    return `${createHash('sha256').update(namespace).digest('hex').slice(0, 40)}.log`;
  }

  private log(index: IndexDescription, namespace: string): NamespaceLog {
    const file = this.fileName(namespace);
    const key = `${index.name}/${file}`;
    let log = this.logs.get(key);
    if (!log || log.dimension !== index.dimension) {
      log = new NamespaceLog(path.join(this.indexDir(index.name), 'ns', file), namespace, index.dimension);
      this.logs.set(key, log);
    }
    log.refresh();
    return log;
  }

  async upsert(index: IndexDescription, namespace: WorkspaceNamespace, records: VectorRecord[]): Promise<Units> {
    fs.mkdirSync(path.join(this.indexDir(index.name), 'ns'), { recursive: true });
    this.log(index, namespace.stored).append([upsertFrame(records, index.dimension)]);
    return {};
  }

  async query(index: IndexDescription, namespace: WorkspaceNamespace, request: QueryRequest): Promise<{ matches: Match[] }> {
    const table = this.log(index, namespace.stored).table;
    let query: Float32Array;
    if ('vector' in request.target) query = Float32Array.from(request.target.vector);
    else {
      const slot = table.slotOf(request.target.id);
      if (slot === undefined) return { matches: [] };
      query = table.row(slot).slice();
    }
    const predicate = request.filter ? compileFilter(request.filter) : undefined;
    const found = table.search(query, index.metric, request.topK, predicate);
    return {
      matches: found.map(({ slot, score }) => {
        const match: Match = { id: table.ids[slot]!, score };
        if (request.includeValues) match.values = values(table.row(slot));
        const metadata = table.metadata[slot];
        if (request.includeMetadata && metadata) match.metadata = metadata;
        return match;
      }),
    };
  }

  async fetch(index: IndexDescription, namespace: WorkspaceNamespace, ids: string[]): Promise<{ records: StoredRecord[] }> {
    const table = this.log(index, namespace.stored).table;
    const records: StoredRecord[] = [];
    for (const id of new Set(ids)) {
      const slot = table.slotOf(id);
      if (slot === undefined) continue;
      const metadata = table.metadata[slot];
      records.push({ id, values: values(table.row(slot)), ...(metadata ? { metadata } : {}) });
    }
    return { records };
  }

  async delete(index: IndexDescription, namespace: WorkspaceNamespace, selector: DeleteSelector): Promise<Units> {
    const log = this.log(index, namespace.stored);
    if ('all' in selector) {
      log.destroy();
      return {};
    }
    let ids: string[];
    if ('ids' in selector) ids = selector.ids.filter((id) => log.table.has(id));
    else {
      const predicate = compileFilter(selector.filter);
      const t = log.table;
      ids = [];
      for (let slot = 0; slot < t.count; slot++) if (predicate(t.metadata[slot])) ids.push(t.ids[slot]!);
    }
    if (!ids.length) return {};
    if (ids.length === log.table.count) log.destroy();
    else log.append([deleteFrame(ids)]);
    return {};
  }

  async listNamespaces(index: IndexDescription, prefix: WorkspacePrefix): Promise<NamespaceSummary[]> {
    const dir = path.join(this.indexDir(index.name), 'ns');
    let files: string[];
    try {
      files = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
    } catch {
      return [];
    }
    let known = this.names.get(index.name);
    if (!known) this.names.set(index.name, (known = new Map()));
    const out: NamespaceSummary[] = [];
    for (const file of files) {
      let name = known.get(file);
      if (name === undefined) {
        const header = readHeader(path.join(dir, file));
        if (!header) continue;
        known.set(file, (name = header.namespace));
      }
      const namespace = namespaceFromStored(prefix, name);
      if (!namespace) continue;
      const count = this.log(index, name).table.count;
      if (count > 0) out.push({ namespace, recordCount: count });
    }
    return out.sort((a, b) => (a.namespace.stored < b.namespace.stored ? -1 : 1));
  }

  async deleteNamespace(index: IndexDescription, namespace: WorkspaceNamespace): Promise<void> {
    this.log(index, namespace.stored).destroy();
  }
}

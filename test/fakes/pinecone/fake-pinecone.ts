/**
 * A local fake of Pinecone (API 2026-07) driven by the real `@pinecone-database/pinecone` v9 SDK over
 * HTTP, and a dev tool (`main.ts`). One server plays both planes:
 *   control plane  POST/GET /indexes, GET/DELETE /indexes/{name} (index models with a serverless
 *                  deployment, a dense_vector schema field, tags, deletion protection, a `host`)
 *   data plane     under each index's host `<origin>/data/<project>/<index>`: /vectors/upsert, /query,
 *                  /vectors/fetch, /vectors/delete, /describe_index_stats, /vectors/list,
 *                  /namespaces (list, describe, delete)
 * As Pinecone does it: `Api-Key` per project (a key of another project gets 401 on an index's host),
 * the `X-Pinecone-Api-Version` header required, control-plane errors `{error: {code, message}, status}`
 * and data-plane errors `{code, message, details}` (gRPC codes), and the limits — 1,000 records and 2 MB
 * per upsert, the index's dimension, finite values, no all-zero vector under cosine, metadata types and
 * 40 KB, ids ≤ 512 bytes, top_k ≤ 10,000 (≤ 1,000 with values or metadata), fetch/delete ≤ 1,000 ids,
 * filter operators — and 429s when a namespace goes over its request or upsert-bytes rate. Search is
 * exact (cosine, dotproduct, squared euclidean); the filter language is evaluated here, independently of
 * the embedded store's. Replies can be scripted per route (429s, 5xx, delays) before the normal behaviour.
 */
import { FakeHttpServer, type FakeReply, type RecordedRequest } from '../../support/llm-fake-server';

export const PINECONE_API_VERSIONS = ['2026-07'];

export type PineconeRoute =
  | 'create_index'
  | 'list_indexes'
  | 'describe_index'
  | 'delete_index'
  | 'upsert'
  | 'query'
  | 'fetch'
  | 'delete'
  | 'describe_index_stats'
  | 'list_vectors'
  | 'list_namespaces'
  | 'describe_namespace'
  | 'delete_namespace'
  | 'unknown';

export interface FakePineconeOptions {
  /** Accepted API keys and the project each belongs to (a list: one project, "default"). */
  keys: string[] | Record<string, string>;
  /** Requests per second per namespace for upsert, query, delete (default 100, as Pinecone). */
  namespaceRequestsPerSecond?: number;
  /** Upserted bytes per second per namespace (default 50 MB, as Pinecone). */
  namespaceUpsertBytesPerSecond?: number;
  /** Namespaces per index (default: none enforced; Pinecone Starter: 100). */
  maxNamespaces?: number;
  /** Drop request bodies after use (bulk runs: benchmarks). */
  retainBodies?: boolean;
  port?: number;
}

type Metric = 'cosine' | 'dotproduct' | 'euclidean';
type Meta = Record<string, string | number | boolean | string[]>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface StoredVector {
  values: Float32Array;
  metadata?: Meta;
}

export interface FakeIndex {
  project: string;
  name: string;
  dimension: number;
  metric: Metric;
  cloud: string;
  region: string;
  tags?: Record<string, string>;
  deletionProtection: 'enabled' | 'disabled';
  state: string;
  namespaces: Map<string, Map<string, StoredVector>>;
}

const MB = 1024 * 1024;
const MAX_UPSERT_BYTES = 2 * MB;
const MAX_METADATA_BYTES = 40 * 1024;

/** Control-plane error body. */
const controlError = (status: number, code: string, message: string): FakeReply => ({ status, body: { error: { code, message }, status } });
/** Data-plane error body (gRPC status code). */
const GRPC = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13, UNAUTHENTICATED: 16 } as const;
const dataError = (status: number, code: keyof typeof GRPC, message: string): FakeReply => ({ status, body: { code: GRPC[code], message, details: [] } });

/** Scripted failures in Pinecone's format. */
export const pineconeErrors = {
  rateLimited: (): FakeReply => dataError(429, 'RESOURCE_EXHAUSTED', 'Request rate limit exceeded. Reduce the request rate and retry.'),
  unavailable: (): FakeReply => dataError(503, 'UNAVAILABLE', 'Service temporarily unavailable'),
  serverError: (): FakeReply => dataError(500, 'INTERNAL', 'Internal server error'),
  monthlyQuota: (): FakeReply => dataError(429, 'RESOURCE_EXHAUSTED', 'Request failed. You have reached the monthly read unit limit for your project. To continue, upgrade your plan.'),
};

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export class FakePinecone {
  readonly server: FakeHttpServer;
  readonly projects: Map<string, string>;
  readonly indexes = new Map<string, FakeIndex>();
  /** Added delay per route (ms), to make calls slow. */
  readonly delays = new Map<PineconeRoute, number>();
  /** Pinecone's per-namespace rates (changeable while running). */
  readonly limits: { namespaceRequestsPerSecond: number; namespaceUpsertBytesPerSecond: number };
  private readonly windows = new Map<string, Array<{ at: number; bytes: number }>>();

  private constructor(private readonly options: FakePineconeOptions) {
    this.limits = { namespaceRequestsPerSecond: options.namespaceRequestsPerSecond ?? 100, namespaceUpsertBytesPerSecond: options.namespaceUpsertBytesPerSecond ?? 50 * MB };
    this.projects = new Map(Array.isArray(options.keys) ? options.keys.map((k) => [k, 'default']) : Object.entries(options.keys));
    this.server = new FakeHttpServer((method, path) => routeOf(method, path), (request) => this.handle(request), { retainBodies: options.retainBodies ?? true });
  }

  static async start(options: FakePineconeOptions): Promise<FakePinecone> {
    const fake = new FakePinecone(options);
    await fake.server.start(options.port);
    return fake;
  }

  /** The controller URL to put in the secret (`controller_host_url`). */
  get controllerUrl(): string {
    return this.server.origin;
  }

  hostOf(project: string, name: string): string {
    return `${this.server.origin}/data/${project}/${name}`;
  }

  script(route: PineconeRoute, ...replies: FakeReply[]): void {
    this.server.script(route, ...replies);
  }

  on(route: PineconeRoute): RecordedRequest[] {
    return this.server.on(route);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** An index of a project (tests reach into the state to prove what was stored where). */
  index(name: string, project = 'default'): FakeIndex | undefined {
    return this.indexes.get(`${project}/${name}`);
  }

  /** Creates an index directly (as if made in the console). */
  addIndex(spec: { name: string; dimension: number; metric?: Metric; project?: string; tags?: Record<string, string> }): FakeIndex {
    const index: FakeIndex = {
      project: spec.project ?? 'default',
      name: spec.name,
      dimension: spec.dimension,
      metric: spec.metric ?? 'cosine',
      cloud: 'aws',
      region: 'us-east-1',
      ...(spec.tags ? { tags: spec.tags } : {}),
      deletionProtection: 'disabled',
      state: 'Ready',
      namespaces: new Map(),
    };
    this.indexes.set(`${index.project}/${index.name}`, index);
    return index;
  }

  private model(index: FakeIndex): Json {
    return {
      name: index.name,
      host: this.hostOf(index.project, index.name),
      status: { ready: index.state === 'Ready', state: index.state },
      deployment: { deployment_type: 'managed', cloud: index.cloud, region: index.region },
      schema: { fields: { _values: { type: 'dense_vector', dimension: index.dimension, metric: index.metric } } },
      ...(index.tags ? { tags: index.tags } : {}),
      deletion_protection: index.deletionProtection,
    };
  }

  private async handle(request: RecordedRequest): Promise<FakeReply> {
    const delay = this.delays.get(request.route as PineconeRoute);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const version = request.headers['x-pinecone-api-version'];
    if (!version || !PINECONE_API_VERSIONS.includes(version)) {
      return controlError(400, 'INVALID_ARGUMENT', `Unsupported or missing X-Pinecone-Api-Version header (got ${version ?? 'none'}; supported: ${PINECONE_API_VERSIONS.join(', ')})`);
    }
    const key = request.headers['api-key'];
    const project = key === undefined ? undefined : this.projects.get(key);
    if (!project) return controlError(401, 'UNAUTHENTICATED', 'Invalid API Key');
    const parts = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'indexes') return this.control(request, project, parts[1]);
    if (parts[0] === 'data' && parts.length >= 3) {
      if (parts[1] !== project) return controlError(401, 'UNAUTHENTICATED', 'Invalid API Key for this index');
      const index = this.indexes.get(`${parts[1]}/${parts[2]}`);
      if (!index) return dataError(404, 'NOT_FOUND', `Index ${parts[2]} not found`);
      if (index.state !== 'Ready') return dataError(503, 'UNAVAILABLE', `Index ${index.name} is not ready (${index.state})`);
      return this.data(request, index, parts.slice(3));
    }
    return controlError(404, 'NOT_FOUND', `Unknown route ${request.method} ${request.path}`);
  }

  // -- control plane ---------------------------------------------------------------------------

  private control(request: RecordedRequest, project: string, name: string | undefined): FakeReply {
    const body = (request.body ?? {}) as Json;
    switch (request.route) {
      case 'list_indexes':
        return { status: 200, body: { indexes: [...this.indexes.values()].filter((i) => i.project === project).map((i) => this.model(i)) } };
      case 'create_index': {
        if (typeof body.name !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?$/.test(body.name)) {
          return controlError(400, 'INVALID_ARGUMENT', 'Name must consist of lower case alphanumeric characters or "-", at most 45 characters');
        }
        const field = body.schema?.fields?._values;
        if (!isObject(field) || field.type !== 'dense_vector') return controlError(400, 'INVALID_ARGUMENT', 'schema.fields._values must be a dense_vector field');
        if (!Number.isInteger(field.dimension) || field.dimension < 1 || field.dimension > 20_000) return controlError(400, 'INVALID_ARGUMENT', 'Dimension must be between 1 and 20000');
        if (!['cosine', 'dotproduct', 'euclidean'].includes(field.metric)) return controlError(400, 'INVALID_ARGUMENT', `Invalid metric ${String(field.metric)}`);
        const deployment = body.deployment;
        if (!isObject(deployment) || deployment.deployment_type !== 'managed' || typeof deployment.cloud !== 'string' || typeof deployment.region !== 'string') {
          return controlError(400, 'INVALID_ARGUMENT', 'deployment must be {deployment_type: "managed", cloud, region}');
        }
        if (this.indexes.has(`${project}/${body.name}`)) return controlError(409, 'ALREADY_EXISTS', `Resource ${body.name} already exists`);
        const index = this.addIndex({ name: body.name, dimension: field.dimension, metric: field.metric, project, ...(isObject(body.tags) ? { tags: body.tags as Record<string, string> } : {}) });
        index.cloud = deployment.cloud;
        index.region = deployment.region;
        if (body.deletion_protection === 'enabled') index.deletionProtection = 'enabled';
        return { status: 201, body: this.model(index) };
      }
      case 'describe_index': {
        const index = this.indexes.get(`${project}/${name}`);
        return index ? { status: 200, body: this.model(index) } : controlError(404, 'NOT_FOUND', `Resource ${name} not found`);
      }
      case 'delete_index': {
        const index = this.indexes.get(`${project}/${name}`);
        if (!index) return controlError(404, 'NOT_FOUND', `Resource ${name} not found`);
        if (index.deletionProtection === 'enabled') return controlError(403, 'FORBIDDEN', `Deletion protection is enabled for index ${name}`);
        this.indexes.delete(`${project}/${name}`);
        return { status: 202, body: '' };
      }
      default:
        return controlError(404, 'NOT_FOUND', `Unknown route ${request.method} ${request.path}`);
    }
  }

  // -- data plane ------------------------------------------------------------------------------

  /** Pinecone's per-namespace rates: requests per second, and upserted bytes per second. */
  private overRate(index: FakeIndex, namespace: string, bytes: number): boolean {
    const key = `${index.project}/${index.name}/${namespace}`;
    const now = Date.now();
    const window = (this.windows.get(key) ?? []).filter((e) => now - e.at < 1000);
    const rps = this.limits.namespaceRequestsPerSecond;
    const bps = this.limits.namespaceUpsertBytesPerSecond;
    if (window.length + 1 > rps || window.reduce((n, e) => n + e.bytes, 0) + bytes > bps) {
      this.windows.set(key, window);
      return true;
    }
    window.push({ at: now, bytes });
    this.windows.set(key, window);
    return false;
  }

  private data(request: RecordedRequest, index: FakeIndex, rest: string[]): FakeReply {
    const body = (request.body ?? {}) as Json;
    const { query } = request;
    switch (request.route) {
      case 'upsert':
        return this.upsert(request, index, body);
      case 'query':
        return this.query(index, body);
      case 'fetch': {
        const ids = query.getAll('ids');
        const namespace = query.get('namespace') ?? '';
        if (!ids.length) return dataError(400, 'INVALID_ARGUMENT', 'ids must not be empty');
        if (ids.length > 1000) return dataError(400, 'INVALID_ARGUMENT', `Fetch supports at most 1000 ids; got ${ids.length}`);
        const ns = index.namespaces.get(namespace);
        const vectors: Json = {};
        for (const id of ids) {
          const v = ns?.get(id);
          if (v) vectors[id] = { id, values: Array.from(v.values), ...(v.metadata ? { metadata: v.metadata } : {}) };
        }
        return { status: 200, body: { vectors, namespace, usage: { readUnits: Math.max(1, Math.ceil(ids.length / 10)) } } };
      }
      case 'delete':
        return this.remove(index, body);
      case 'describe_index_stats': {
        const namespaces: Json = {};
        let total = 0;
        for (const [name, ns] of index.namespaces) {
          if (!ns.size) continue;
          namespaces[name] = { vectorCount: ns.size };
          total += ns.size;
        }
        return { status: 200, body: { namespaces, dimension: index.dimension, indexFullness: 0, totalVectorCount: total, metric: index.metric, vectorType: 'dense' } };
      }
      case 'list_vectors': {
        const namespace = query.get('namespace') ?? '';
        const prefix = query.get('prefix') ?? '';
        const limit = Number(query.get('limit') ?? 100);
        const after = query.get('paginationToken') ? Buffer.from(query.get('paginationToken')!, 'base64url').toString() : '';
        const ids = [...(index.namespaces.get(namespace)?.keys() ?? [])].filter((id) => id.startsWith(prefix) && id > after).sort();
        const page = ids.slice(0, limit);
        return {
          status: 200,
          body: { vectors: page.map((id) => ({ id })), namespace, usage: { readUnits: 1 }, ...(ids.length > limit ? { pagination: { next: Buffer.from(page.at(-1)!).toString('base64url') } } : {}) },
        };
      }
      case 'list_namespaces': {
        const prefix = query.get('prefix') ?? '';
        const limit = Math.min(Number(query.get('limit') ?? 100), 1000);
        const after = query.get('paginationToken') ? Buffer.from(query.get('paginationToken')!, 'base64url').toString() : '';
        const names = [...index.namespaces.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
        const page = names.slice(0, limit);
        return {
          status: 200,
          body: {
            namespaces: page.map((n) => ({ name: n, record_count: String(index.namespaces.get(n)!.size) })),
            total_count: names.length,
            ...(names.length > limit ? { pagination: { next: Buffer.from(page.at(-1)!).toString('base64url') } } : {}),
          },
        };
      }
      case 'describe_namespace':
      case 'delete_namespace': {
        const name = rest.slice(1).join('/');
        const ns = index.namespaces.get(name);
        if (!ns) return dataError(404, 'NOT_FOUND', `Namespace ${name} not found`);
        if (request.route === 'describe_namespace') return { status: 200, body: { name, record_count: String(ns.size) } };
        index.namespaces.delete(name);
        return { status: 202, body: {} };
      }
      default:
        return dataError(404, 'NOT_FOUND', `Unknown route ${request.method} ${request.path}`);
    }
  }

  private vectorProblem(index: FakeIndex, values: unknown, what: string): string | undefined {
    if (!Array.isArray(values)) return `${what}: values must be a list of numbers`;
    if (values.length !== index.dimension) return `Vector dimension ${values.length} does not match the dimension of the index ${index.dimension}`;
    if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) return `${what}: values must be finite numbers`;
    if (index.metric === 'cosine' && values.every((v) => v === 0)) return `${what}: Dense vectors must contain at least one non-zero value`;
    return undefined;
  }

  private upsert(request: RecordedRequest, index: FakeIndex, body: Json): FakeReply {
    if (request.bytes > MAX_UPSERT_BYTES) {
      return dataError(400, 'INVALID_ARGUMENT', `Request size ${(request.bytes / MB).toFixed(2)}MB exceeds the maximum supported size of 2MB`);
    }
    const vectors = body.vectors;
    if (!Array.isArray(vectors) || !vectors.length) return dataError(400, 'INVALID_ARGUMENT', 'vectors must be a non-empty list');
    if (vectors.length > 1000) return dataError(400, 'INVALID_ARGUMENT', `Upsert supports at most 1000 vectors per request; got ${vectors.length}`);
    const namespace = typeof body.namespace === 'string' ? body.namespace : '';
    if (!index.namespaces.has(namespace) && this.options.maxNamespaces !== undefined && index.namespaces.size >= this.options.maxNamespaces) {
      return dataError(400, 'INVALID_ARGUMENT', `The index has reached its limit of ${this.options.maxNamespaces} namespaces`);
    }
    const checked: Array<[string, StoredVector]> = [];
    for (const [i, v] of vectors.entries()) {
      if (!isObject(v) || typeof v.id !== 'string' || !v.id || Buffer.byteLength(v.id) > 512) return dataError(400, 'INVALID_ARGUMENT', `vectors[${i}]: id must be 1 to 512 bytes`);
      const problem = this.vectorProblem(index, v.values, `vectors[${i}]`);
      if (problem) return dataError(400, 'INVALID_ARGUMENT', problem);
      if (v.metadata !== undefined) {
        const metaProblem = metadataProblem(v.metadata);
        if (metaProblem) return dataError(400, 'INVALID_ARGUMENT', `vectors[${i}]: ${metaProblem}`);
      }
      checked.push([v.id, { values: Float32Array.from(v.values as number[]), ...(v.metadata ? { metadata: v.metadata as Meta } : {}) }]);
    }
    if (this.overRate(index, namespace, request.bytes)) return pineconeErrors.rateLimited();
    let ns = index.namespaces.get(namespace);
    if (!ns) index.namespaces.set(namespace, (ns = new Map()));
    for (const [id, v] of checked) ns.set(id, v);
    return { status: 200, body: { upsertedCount: checked.length } };
  }

  private query(index: FakeIndex, body: Json): FakeReply {
    const topK = body.topK;
    if (!Number.isInteger(topK) || topK < 1 || topK > 10_000) return dataError(400, 'INVALID_ARGUMENT', 'topK must be between 1 and 10000');
    if ((body.includeValues || body.includeMetadata) && topK > 1000) {
      return dataError(400, 'INVALID_ARGUMENT', 'topK must be at most 1000 when includeValues or includeMetadata is true');
    }
    const namespace = typeof body.namespace === 'string' ? body.namespace : '';
    const ns = index.namespaces.get(namespace) ?? new Map<string, StoredVector>();
    let vector: Float32Array | undefined;
    if (body.vector !== undefined) {
      const problem = this.vectorProblem(index, body.vector, 'vector');
      if (problem) return dataError(400, 'INVALID_ARGUMENT', problem.replace(/^Vector/, 'Query vector'));
      vector = Float32Array.from(body.vector as number[]);
    } else if (typeof body.id === 'string') {
      vector = ns.get(body.id)?.values;
      if (!vector) return { status: 200, body: { matches: [], namespace, usage: { readUnits: 1 } } };
    } else return dataError(400, 'INVALID_ARGUMENT', 'Either vector or id must be given');
    let test: (m: Meta | undefined) => boolean = () => true;
    if (body.filter !== undefined) {
      try {
        test = filterTest(body.filter);
      } catch (error) {
        return dataError(400, 'INVALID_ARGUMENT', `Invalid filter: ${(error as Error).message}`);
      }
    }
    if (this.overRate(index, namespace, 0)) return pineconeErrors.rateLimited();
    const scored: Array<{ id: string; score: number; v: StoredVector }> = [];
    for (const [id, v] of ns) if (test(v.metadata)) scored.push({ id, score: score(index.metric, vector, v.values), v });
    scored.sort((a, b) => (index.metric === 'euclidean' ? a.score - b.score : b.score - a.score));
    const matches = scored.slice(0, topK).map(({ id, score: s, v }) => ({
      id,
      score: s,
      values: body.includeValues ? Array.from(v.values) : [],
      ...(body.includeMetadata && v.metadata ? { metadata: v.metadata } : {}),
    }));
    return { status: 200, body: { matches, namespace, usage: { readUnits: Math.max(1, Math.ceil((ns.size * index.dimension * 4) / 1e9)) } } };
  }

  private remove(index: FakeIndex, body: Json): FakeReply {
    const namespace = typeof body.namespace === 'string' ? body.namespace : '';
    const modes = [body.ids !== undefined, body.filter !== undefined, body.deleteAll === true].filter(Boolean).length;
    if (modes !== 1) return dataError(400, 'INVALID_ARGUMENT', 'Exactly one of ids, filter or deleteAll must be given');
    if (body.ids !== undefined && (!Array.isArray(body.ids) || body.ids.length > 1000)) return dataError(400, 'INVALID_ARGUMENT', 'ids must be a list of at most 1000 ids');
    const ns = index.namespaces.get(namespace);
    if (!ns) return dataError(404, 'NOT_FOUND', `Namespace ${namespace} not found`);
    if (this.overRate(index, namespace, 0)) return pineconeErrors.rateLimited();
    if (body.deleteAll) index.namespaces.delete(namespace);
    else if (body.ids) for (const id of body.ids as string[]) ns.delete(id);
    else {
      let test: (m: Meta | undefined) => boolean;
      try {
        test = filterTest(body.filter);
      } catch (error) {
        return dataError(400, 'INVALID_ARGUMENT', `Invalid filter: ${(error as Error).message}`);
      }
      for (const [id, v] of ns) if (test(v.metadata)) ns.delete(id);
    }
    if (!ns.size) index.namespaces.delete(namespace);
    return { status: 200, body: {} };
  }
}

function routeOf(method: string, path: string): PineconeRoute {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'indexes') {
    if (parts.length === 1) return method === 'POST' ? 'create_index' : method === 'GET' ? 'list_indexes' : 'unknown';
    if (parts.length === 2) return method === 'GET' ? 'describe_index' : method === 'DELETE' ? 'delete_index' : 'unknown';
    return 'unknown';
  }
  if (parts[0] !== 'data' || parts.length < 4) return 'unknown';
  const op = parts.slice(3).join('/');
  if (method === 'POST' && op === 'vectors/upsert') return 'upsert';
  if (method === 'POST' && op === 'query') return 'query';
  if (method === 'GET' && op === 'vectors/fetch') return 'fetch';
  if (method === 'POST' && op === 'vectors/delete') return 'delete';
  if (method === 'POST' && op === 'describe_index_stats') return 'describe_index_stats';
  if (method === 'GET' && op === 'vectors/list') return 'list_vectors';
  if (method === 'GET' && op === 'namespaces') return 'list_namespaces';
  if (parts[3] === 'namespaces' && parts.length === 5) return method === 'GET' ? 'describe_namespace' : method === 'DELETE' ? 'delete_namespace' : 'unknown';
  return 'unknown';
}

function metadataProblem(metadata: unknown): string | undefined {
  if (!isObject(metadata)) return 'metadata must be an object';
  for (const [k, v] of Object.entries(metadata)) {
    const ok = typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) return `Metadata value for field ${k} must be a string, number, boolean or list of strings`;
  }
  const size = Buffer.byteLength(JSON.stringify(metadata));
  if (size > MAX_METADATA_BYTES) return `Metadata size is ${size} bytes, which exceeds the limit of ${MAX_METADATA_BYTES} bytes per vector`;
  return undefined;
}

function score(metric: Metric, q: Float32Array, v: Float32Array): number {
  let dot = 0;
  let qq = 0;
  let vv = 0;
  for (let i = 0; i < q.length; i++) {
    dot += q[i]! * v[i]!;
    qq += q[i]! * q[i]!;
    vv += v[i]! * v[i]!;
  }
  if (metric === 'dotproduct') return dot;
  if (metric === 'euclidean') return Math.max(0, qq + vv - 2 * dot);
  return qq && vv ? dot / Math.sqrt(qq * vv) : 0;
}

/** Pinecone's filter language, as its documentation describes it. Throws on what Pinecone rejects. */
export function filterTest(filter: unknown): (m: Meta | undefined) => boolean {
  if (!isObject(filter) || !Object.keys(filter).length) throw new Error('filter must be a non-empty object');
  const clauses = Object.entries(filter).map(([key, value]): ((m: Meta | undefined) => boolean) => {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || !value.length) throw new Error(`${key} takes a non-empty array`);
      const subs = value.map(filterTest);
      return key === '$and' ? (m) => subs.every((s) => s(m)) : (m) => subs.some((s) => s(m));
    }
    if (key.startsWith('$')) throw new Error(`unknown operator ${key}`);
    const ops: Array<[string, unknown]> = isObject(value) ? Object.entries(value) : [['$eq', value]];
    if (!ops.length) throw new Error(`empty operator object for ${key}`);
    const tests = ops.map(([op, arg]) => fieldTest(key, op, arg));
    return (m) => tests.every((t) => t(m));
  });
  return (m) => clauses.every((c) => c(m));
}

function fieldTest(field: string, op: string, arg: unknown): (m: Meta | undefined) => boolean {
  const scalar = typeof arg === 'string' || typeof arg === 'boolean' || (typeof arg === 'number' && Number.isFinite(arg));
  const value = (m: Meta | undefined) => m?.[field];
  const contains = (v: unknown, x: unknown) => (Array.isArray(v) ? v.includes(x as string) : v === x);
  switch (op) {
    case '$eq':
      if (!scalar) throw new Error(`$eq on ${field} takes a string, number or boolean`);
      return (m) => contains(value(m), arg);
    case '$ne':
      if (!scalar) throw new Error(`$ne on ${field} takes a string, number or boolean`);
      return (m) => !contains(value(m), arg);
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      if (typeof arg !== 'number') throw new Error(`${op} on ${field} takes a number`);
      return (m) => {
        const v = value(m);
        if (typeof v !== 'number') return false;
        return op === '$gt' ? v > arg : op === '$gte' ? v >= arg : op === '$lt' ? v < arg : v <= arg;
      };
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(arg) || !arg.length || arg.length > 10_000) throw new Error(`${op} on ${field} takes a non-empty array of at most 10000 values`);
      if (!arg.every((x) => typeof x === 'string' || typeof x === 'number')) throw new Error(`${op} on ${field} takes strings or numbers`);
      const list = arg as unknown[];
      const some = (v: unknown) => (Array.isArray(v) ? v.some((x) => list.includes(x)) : v !== undefined && list.includes(v));
      return op === '$in' ? (m) => some(value(m)) : (m) => !some(value(m));
    }
    case '$exists':
      if (typeof arg !== 'boolean') throw new Error(`$exists on ${field} takes a boolean`);
      return (m) => (value(m) !== undefined) === arg;
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

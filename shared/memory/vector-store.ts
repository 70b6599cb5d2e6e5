/**
 * The contract every vector backend keeps (Pinecone through its v9 SDK; the embedded exact store under
 * IONFLUX_HOME). Data operations take a `WorkspaceNamespace` / `WorkspacePrefix` (namespaces.ts), never a
 * bare string, so a backend cannot be asked for another workspace's records. Requests reaching a store
 * are already valid (dimension, metadata, filter, limits): the service checks them once for both.
 */
import type { Filter } from './filter';
import type { Metadata } from './metadata';
import type { WorkspaceNamespace, WorkspacePrefix } from './namespaces';

export const METRICS = ['cosine', 'dotproduct', 'euclidean'] as const;
export type Metric = (typeof METRICS)[number];
export type Backend = 'pinecone' | 'embedded';

export interface IndexDescription {
  name: string;
  dimension: number;
  metric: Metric;
  /** False while Pinecone is still initialising the index. */
  ready: boolean;
  /** Pinecone's state string (Ready, Initializing, Terminating…); `Ready` for the embedded store. */
  state: string;
  /** The catalog model the index was created for (a Pinecone tag / the embedded index file), when known. */
  embeddingModel?: string;
  /** Pinecone's data-plane host. */
  host?: string;
  deletionProtection?: 'enabled' | 'disabled';
}

export interface CreateIndexSpec {
  name: string;
  dimension: number;
  metric: Metric;
  embeddingModel?: string;
  /** Pinecone serverless placement. */
  cloud: string;
  region: string;
  deletionProtection: 'enabled' | 'disabled';
}

export interface VectorRecord {
  id: string;
  values: number[];
  metadata?: Metadata;
}

export interface StoredRecord {
  id: string;
  values: number[];
  metadata?: Metadata;
}

export type QueryTarget = { vector: number[] } | { id: string };

export interface QueryRequest {
  target: QueryTarget;
  topK: number;
  filter?: Filter;
  includeMetadata: boolean;
  includeValues: boolean;
}

export interface Match {
  id: string;
  score: number;
  values?: number[];
  metadata?: Metadata;
}

/** What Pinecone reported the call cost (absent when it reports nothing, and for the embedded store). */
export interface Units {
  readUnits?: number;
  writeUnits?: number;
}

export type DeleteSelector = { ids: string[] } | { filter: Filter } | { all: true };

export interface NamespaceSummary {
  namespace: WorkspaceNamespace;
  recordCount: number;
}

/** Every call carries the request's deadline: the backend answers, or gives up, before it. */
export interface CallOptions {
  deadline: number;
}

export interface VectorStore {
  readonly backend: Backend;
  describeIndex(name: string, options: CallOptions): Promise<IndexDescription | undefined>;
  /** Throws IndexExistsError when the name is taken. */
  createIndex(spec: CreateIndexSpec, options: CallOptions): Promise<IndexDescription>;
  /** False when there was no such index. */
  deleteIndex(name: string, options: CallOptions): Promise<boolean>;
  /** At most 1,000 records and 2 MB per call (the service batches). */
  upsert(index: IndexDescription, namespace: WorkspaceNamespace, records: VectorRecord[], options: CallOptions): Promise<Units>;
  query(index: IndexDescription, namespace: WorkspaceNamespace, request: QueryRequest, options: CallOptions): Promise<{ matches: Match[] } & Units>;
  /** At most 1,000 ids; ids not found are absent from the answer. */
  fetch(index: IndexDescription, namespace: WorkspaceNamespace, ids: string[], options: CallOptions): Promise<{ records: StoredRecord[] } & Units>;
  delete(index: IndexDescription, namespace: WorkspaceNamespace, selector: DeleteSelector, options: CallOptions): Promise<Units>;
  /** The workspace's namespaces that hold records, with their counts. */
  listNamespaces(index: IndexDescription, prefix: WorkspacePrefix, options: CallOptions): Promise<NamespaceSummary[]>;
  /** Removes a namespace and every record in it (nothing when it does not exist). */
  deleteNamespace(index: IndexDescription, namespace: WorkspaceNamespace, options: CallOptions): Promise<void>;
}

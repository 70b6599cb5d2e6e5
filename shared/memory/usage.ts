/**
 * One `vector.usage.recorded` PlatformEvent per memory call that reached the backend, on
 * `ionflux.platform.vector_usage` (through the outbox, like the LLM usage events): who, which index and
 * namespace, what was done to how many records, and the read/write units when Pinecone reports them
 * (query, fetch: read units; Pinecone reports no write units per request, so they are null).
 */
import type { PlatformTopicName } from '../events/topics';

export const VECTOR_USAGE_EVENT_TYPE = 'vector.usage.recorded';
export const VECTOR_USAGE_TOPIC: PlatformTopicName = 'vector_usage';

export type MemoryOperation = 'upsert' | 'query' | 'fetch' | 'delete' | 'stats' | 'delete_workspace';

export interface VectorUsageInput {
  requestId: string;
  operation: MemoryOperation;
  backend: 'pinecone' | 'embedded';
  index: string;
  /** As the caller names it (without the workspace prefix); absent for workspace-wide calls. */
  namespace?: string;
  /** Records written, matched, fetched, asked to delete, or namespaces counted/removed. */
  records: number;
  /** Backend requests made (an upsert is split into batches of ≤ 1,000 records / 2 MB). */
  requests: number;
  readUnits?: number;
  writeUnits?: number;
  /** Texts embedded for this call, and by which model. */
  embedding?: { model: string; texts: number; inputTokens: number };
  status: 'success' | 'error';
  errorCode?: string;
  latencyMs: number;
  callerArn?: string;
}

/** payload_json of `vector.usage.recorded`. */
export function vectorUsagePayload(input: VectorUsageInput): Record<string, unknown> {
  return {
    request_id: input.requestId,
    operation: input.operation,
    backend: input.backend,
    index: input.index,
    namespace: input.namespace ?? null,
    records: input.records,
    requests: input.requests,
    read_units: input.readUnits ?? null,
    write_units: input.writeUnits ?? null,
    embedding: input.embedding ? { model: input.embedding.model, texts: input.embedding.texts, input_tokens: input.embedding.inputTokens } : null,
    status: input.status,
    error_code: input.errorCode ?? null,
    latency_ms: input.latencyMs,
    ...(input.callerArn ? { caller_arn: input.callerArn } : {}),
  };
}

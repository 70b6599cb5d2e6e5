/** Test helpers for the memory functions: every route called as API Gateway calls it, and the backends' setup. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as createIndexHandler } from '../../functions/memory/create-index';
import { handler as deleteHandler } from '../../functions/memory/delete';
import { handler as deleteIndexHandler } from '../../functions/memory/delete-index';
import { handler as deleteWorkspaceHandler } from '../../functions/memory/delete-workspace';
import { handler as describeIndexHandler } from '../../functions/memory/describe-index';
import { handler as fetchHandler } from '../../functions/memory/fetch';
import { handler as queryHandler } from '../../functions/memory/query';
import { handler as statsHandler } from '../../functions/memory/stats';
import { handler as upsertHandler } from '../../functions/memory/upsert';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { platformSecretName } from '../../shared/secrets/names';
import { FakePinecone } from '../fakes/pinecone/fake-pinecone';
import { secretRoot } from './environment';
import { invokeHttp, type InvokeResult } from './http';
import { newKey } from './llm';
import { storeSecret } from './secrets';

type Handler = (e: APIGatewayProxyEventV2, c: unknown) => Promise<unknown>;
const asHandler = (h: unknown) => h as Handler;

export type DataRoute = 'upsert' | 'query' | 'fetch' | 'delete';
const dataHandlers: Record<DataRoute, Handler> = { upsert: asHandler(upsertHandler), query: asHandler(queryHandler), fetch: asHandler(fetchHandler), delete: asHandler(deleteHandler) };

export interface CallOptions {
  timeoutS?: number;
}

/** POST /v1/memory/workspaces/{workspace_id}/<route>. */
export function callMemory(route: DataRoute, workspaceId: string, body: unknown, options: CallOptions = {}): Promise<InvokeResult> {
  const path = `/v1/memory/workspaces/${workspaceId}/${route}`;
  return invokeHttp(
    dataHandlers[route],
    {
      method: 'POST',
      rawPath: path,
      routeKey: `POST /v1/memory/workspaces/{workspace_id}/${route}`,
      pathParameters: { workspace_id: workspaceId },
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    options.timeoutS ?? 10,
  );
}

export function memoryStats(workspaceId: string, index?: string): Promise<InvokeResult> {
  const path = `/v1/memory/workspaces/${workspaceId}/stats`;
  return invokeHttp(asHandler(statsHandler), {
    method: 'GET',
    rawPath: path,
    routeKey: 'GET /v1/memory/workspaces/{workspace_id}/stats',
    pathParameters: { workspace_id: workspaceId },
    ...(index ? { rawQueryString: `index=${encodeURIComponent(index)}` } : {}),
  });
}

export function deleteWorkspaceMemory(workspaceId: string): Promise<InvokeResult> {
  const path = `/v1/memory/workspaces/${workspaceId}`;
  return invokeHttp(asHandler(deleteWorkspaceHandler), { method: 'DELETE', rawPath: path, routeKey: 'DELETE /v1/memory/workspaces/{workspace_id}', pathParameters: { workspace_id: workspaceId } });
}

export function createIndex(body: unknown): Promise<InvokeResult> {
  return invokeHttp(asHandler(createIndexHandler), {
    method: 'POST',
    rawPath: '/v1/memory/indexes',
    routeKey: 'POST /v1/memory/indexes',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export function describeIndex(name: string): Promise<InvokeResult> {
  return invokeHttp(asHandler(describeIndexHandler), { method: 'GET', rawPath: `/v1/memory/indexes/${name}`, routeKey: 'GET /v1/memory/indexes/{name}', pathParameters: { name } });
}

export function deleteIndex(name: string): Promise<InvokeResult> {
  return invokeHttp(asHandler(deleteIndexHandler), { method: 'DELETE', rawPath: `/v1/memory/indexes/${name}`, routeKey: 'DELETE /v1/memory/indexes/{name}', pathParameters: { name } });
}

/** Memory settings for a test file: backend, indexes, embedding model (re-read by a fresh environment). */
export async function useMemory(settings: { store: 'embedded' | 'pinecone'; index: string; indexes?: string[]; embeddingModel?: string; extra?: Record<string, string> }): Promise<void> {
  process.env.IONFLUX_VECTOR_STORE = settings.store;
  process.env.IONFLUX_VECTOR_INDEX = settings.index;
  process.env.IONFLUX_VECTOR_INDEXES = (settings.indexes ?? []).join(',');
  process.env.IONFLUX_EMBEDDING_MODEL = settings.embeddingModel ?? 'text-embedding-3-small';
  process.env.IONFLUX_MEMORY_BACKOFF_BASE_MS ??= '20';
  for (const [k, v] of Object.entries(settings.extra ?? {})) process.env[k] = v;
  await resetEnvironment();
}

export function clearMemorySettings(extra: string[] = []): void {
  for (const k of ['IONFLUX_VECTOR_STORE', 'IONFLUX_VECTOR_INDEX', 'IONFLUX_VECTOR_INDEXES', 'IONFLUX_EMBEDDING_MODEL', 'IONFLUX_MEMORY_BACKOFF_BASE_MS', ...extra]) delete process.env[k];
}

/** A fake Pinecone with the platform secret pointing at it. */
export async function startPinecone(options: { projects?: Record<string, string> } = {}): Promise<{ fake: FakePinecone; key: string }> {
  const key = newKey('pcsk-platform');
  const fake = await FakePinecone.start({ keys: { [key]: 'default', ...(options.projects ?? {}) } });
  await storeSecret(platformSecretName(secretRoot(), 'pinecone'), { api_key: key, controller_host_url: fake.controllerUrl });
  return { fake, key };
}

/** A deterministic vector of `dimension` from a seed (unit length). */
export function vectorOf(seed: number, dimension: number): number[] {
  const out: number[] = [];
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < dimension; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(Number(((x / 2147483648) * 2 - 1).toFixed(6)));
  }
  return out;
}

export const cosine = (a: number[], b: number[]): number => {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(aa * bb);
};

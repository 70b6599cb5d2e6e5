/** Vector memory: Pinecone namespaces per workspace and agent, texts embedded in process (issue 16). */
import type { FunctionSpec, Need } from '../manifest-types';

// Every call publishes a vector.usage.recorded event through the outbox (sqs:outbox: no Kafka, no VPC, so
// Pinecone traffic takes no NAT gateway) and may use the workspace's own Pinecone key (workspace-secrets).
const data: Need[] = ['sqs:outbox', 'workspace-secrets', 'secret:pinecone'];
// Routes that embed texts call the embedding providers in process, with the LLM service's keys.
const embedding: Need[] = ['secret:openai', 'secret:sentence-transformers'];

const route = (id: string, method: 'GET' | 'POST' | 'DELETE', path: string, description: string, needs: Need[], memoryMb = 512): FunctionSpec => ({
  id,
  entry: `functions/memory/${id.replace(/^memory-/, '')}.ts`,
  description,
  trigger: { http: { method, path, auth: 'iam' } },
  memoryMb,
  timeoutS: 29,
  needs,
});

export const memoryFunctions: FunctionSpec[] = [
  route('memory-upsert', 'POST', '/v1/memory/workspaces/{workspace_id}/upsert', 'Upserts records (vectors, or texts embedded first) into a namespace of the workspace, in Pinecone-sized batches.', [...data, ...embedding], 1024),
  route('memory-query', 'POST', '/v1/memory/workspaces/{workspace_id}/query', 'Nearest records in a namespace of the workspace to a vector, a text or a stored id, with metadata filters.', [...data, ...embedding]),
  route('memory-fetch', 'POST', '/v1/memory/workspaces/{workspace_id}/fetch', 'Records of a namespace of the workspace by id.', data),
  route('memory-delete', 'POST', '/v1/memory/workspaces/{workspace_id}/delete', 'Deletes records of a namespace of the workspace by ids, by metadata filter, or all.', data),
  route('memory-stats', 'GET', '/v1/memory/workspaces/{workspace_id}/stats', 'The namespaces of the workspace and their record counts.', data, 256),
  route('memory-delete-workspace', 'DELETE', '/v1/memory/workspaces/{workspace_id}', 'Offboarding: removes every namespace the workspace owns, in every allowed index.', data),
  route('memory-create-index', 'POST', '/v1/memory/indexes', 'Platform: creates a serverless index, its dimension and metric from the catalog embedding model.', ['secret:pinecone'], 256),
  route('memory-describe-index', 'GET', '/v1/memory/indexes/{name}', 'Platform: describes an index (dimension, metric, state, embedding model).', ['secret:pinecone'], 256),
  route('memory-delete-index', 'DELETE', '/v1/memory/indexes/{name}', 'Platform: deletes an index and every record in it.', ['secret:pinecone'], 256),
];

/** POST /v1/memory/indexes (iam, platform): a serverless index, its dimension and metric from the catalog's embedding model (or given). */
import { CreateIndexBodySchema } from '../../shared/memory/contract';
import { parseJsonBody } from '../../shared/http/json-body';
import { memoryRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';

export const handler = memoryRoute(memoryService, async (service, request, call) => ({
  status: 201,
  body: await service.createIndex(parseJsonBody(request, CreateIndexBodySchema), call),
}));

/** GET /v1/memory/indexes/{name} (iam, platform): an index's dimension, metric, state and embedding model. */
import { memoryRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';

export const handler = memoryRoute(memoryService, async (service, request, call) => ({ body: await service.describeIndex(request.pathParams.name ?? '', call) }));

/** DELETE /v1/memory/indexes/{name} (iam, platform): removes an index and every record in it. */
import { memoryRoute } from '../../shared/memory/http';
import { memoryService } from '../../shared/runtime/memory';

export const handler = memoryRoute(memoryService, async (service, request, call) => ({ body: await service.deleteIndex(request.pathParams.name ?? '', call) }));

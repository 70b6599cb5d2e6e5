/**
 * GET /v1/shopify/workspaces/{workspace_id}/{resource} (iam): read access for agents.
 * resource: shop | orders | products | inventory | customers | themes | script_tags.
 * Query: shop (when the workspace has several), limit, cursor, query (Shopify search syntax),
 * updated_since, created_since, status (orders), include_pii=true, include_line_items=true (orders).
 */
import { badRequest, notFound } from '../../shared/http/errors';
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { shopClients, shopStateStore } from '../../shared/runtime/shopify';
import { DATA_RESOURCES, type DataResource, listCustomers, listInventory, listOrders, listProducts, type ListRequest, readShop } from '../../shared/shopify/data-access';
import { listScriptTags } from '../../shared/shopify/script-tags';
import { listThemes } from '../../shared/shopify/themes';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';

const flag = (value: string | undefined, name: string): boolean => {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw badRequest('invalid_flag', `${name} must be true or false`);
};

export const handler = httpHandler(
  async (request) => {
    const workspaceId = assertWorkspaceId(request.pathParams.workspace_id);
    const resource = request.pathParams.resource as DataResource;
    if (!(DATA_RESOURCES as readonly string[]).includes(resource)) {
      throw notFound('unknown_resource', `unknown Shopify resource "${request.pathParams.resource}" (one of: ${DATA_RESOURCES.join(', ')})`);
    }
    const q = request.query;
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    const list: ListRequest = {
      includePii: flag(q.include_pii, 'include_pii'),
      includeLineItems: flag(q.include_line_items, 'include_line_items'),
      deadline: request.deadline,
      ...(limit !== undefined ? { limit } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.query ? { query: q.query } : {}),
      ...(q.updated_since ? { updatedSince: q.updated_since } : {}),
      ...(q.created_since ? { createdSince: q.created_since } : {}),
      ...(q.status ? { status: q.status } : {}),
    };
    const ctx = await shopClients().forWorkspace(workspaceId, q.shop);
    const { client } = ctx;
    switch (resource) {
      case 'shop':
        return json(200, { workspace_id: workspaceId, shop: await readShop(client, { includePii: list.includePii, deadline: request.deadline }) });
      case 'orders':
        return json(200, { workspace_id: workspaceId, ...(await listOrders(client, list)) });
      case 'products':
        return json(200, { workspace_id: workspaceId, ...(await listProducts(client, list)) });
      case 'inventory':
        return json(200, { workspace_id: workspaceId, ...(await listInventory(client, list)) });
      case 'customers':
        return json(200, { workspace_id: workspaceId, ...(await listCustomers(client, list)) });
      case 'themes': {
        const [themes, history] = await Promise.all([listThemes(client, request.deadline), shopStateStore().themeHistory(ctx.shop, 20)]);
        return json(200, {
          workspace_id: workspaceId,
          shop_domain: ctx.shop,
          themes: themes.map((t) => ({ id: t.id, name: t.name, role: t.role, created_at: t.createdAt ?? null, updated_at: t.updatedAt ?? null })),
          main_theme_history: history,
        });
      }
      case 'script_tags': {
        const tags = await listScriptTags(client, request.deadline);
        return json(200, {
          workspace_id: workspaceId,
          shop_domain: ctx.shop,
          script_tags: tags.map((t) => ({ id: t.id, src: t.src, display_scope: t.displayScope ?? null, cache: t.cache ?? null, created_at: t.createdAt ?? null, updated_at: t.updatedAt ?? null })),
        });
      }
    }
  },
  { maxBodyBytes: 1024 },
);

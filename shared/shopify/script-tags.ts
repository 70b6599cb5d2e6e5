/**
 * Sales Sentinel: script tag deactivation. Shopify stopped accepting new or updated script tags
 * (2026-10-01) but existing ones still run on storefronts until 2027-03-01, so removing a misbehaving
 * one still matters. We list first (every page), select by id or by `src`, then `scriptTagDelete` each
 * match. A dry run reports what would be deleted and changes nothing; real runs are audited with a
 * `shopify.script_tags.deleted` PlatformEvent.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../errors';
import { badRequest } from '../http/errors';
import { type Publisher, publishShopifyEvents } from './events';
import { type ShopifyGraphqlClient, userErrorsOf } from './graphql-client';
import { collectAll, type GraphqlConnection, paginate } from './pagination';
import type { ShopContext } from './shop-clients';

type Client = Pick<ShopifyGraphqlClient, 'request'>;

export interface ScriptTag {
  id: string;
  legacyResourceId?: string;
  src: string;
  displayScope?: string;
  cache?: boolean;
  createdAt?: string;
  updatedAt?: string;
}

const LIST = `query ScriptTags($after: String) {
  scriptTags(first: 100, after: $after) {
    edges { cursor node { id legacyResourceId src displayScope cache createdAt updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const DELETE = `mutation DeleteScriptTag($id: ID!) {
  scriptTagDelete(id: $id) { deletedScriptTagId userErrors { field message } }
}`;

export const scriptTagGid = (id: string | number): string => (String(id).startsWith('gid://') ? String(id) : `gid://shopify/ScriptTag/${id}`);

export async function listScriptTags(client: Client, deadline: number): Promise<ScriptTag[]> {
  return collectAll(
    paginate<ScriptTag>(async (after) => (await client.request<{ scriptTags: GraphqlConnection<ScriptTag> }>(LIST, { after }, { deadline, estimatedCost: 102 })).scriptTags),
  );
}

export interface DeactivateRequest {
  ids?: string[];
  /** Every script tag whose src contains this text (case-insensitive). */
  srcContains?: string;
  /** Every script tag of the shop (must be said explicitly). */
  all?: boolean;
  dryRun: boolean;
  reason?: string;
  requestedBy?: string;
  deadline: number;
}

/** scriptTagDelete's userError for an id that does not exist (no code on this mutation: the message says it). */
const isNotFound = (error: { message: string; code?: unknown }) => error.code === 'NOT_FOUND' || /does ?n[o']t exist|not (be )?found/i.test(error.message);

const brief = (t: ScriptTag) => ({ id: t.id, src: t.src, display_scope: t.displayScope ?? null });

export class ScriptTagDeactivation {
  constructor(private readonly deps: { publisher: Publisher; clock?: () => number; source?: string }) {}

  async deactivate(ctx: Pick<ShopContext, 'shop' | 'workspaceId' | 'client'>, request: DeactivateRequest): Promise<Record<string, unknown>> {
    const wantedIds = (request.ids ?? []).map(scriptTagGid);
    const needle = request.srcContains?.trim().toLowerCase();
    if (!wantedIds.length && !needle && !request.all) {
      throw badRequest('no_selection', 'say which script tags to deactivate: ids, src_contains, or all: true');
    }
    const tags = await listScriptTags(ctx.client, request.deadline);
    const matched = tags.filter((t) => request.all || wantedIds.includes(t.id) || (needle !== undefined && needle !== '' && t.src.toLowerCase().includes(needle)));
    const notFound = wantedIds.filter((id) => !tags.some((t) => t.id === id));
    const base = { action: 'script_tag_deactivation', shop_domain: ctx.shop, listed: tags.length, not_found: notFound };
    if (request.dryRun) return { dry_run: true, ...base, would_delete: matched.map(brief) };

    const deleted: ScriptTag[] = [];
    const failed: Array<{ id: string; src: string; message: string }> = [];
    for (const tag of matched) {
      try {
        let resent = false;
        const data = await ctx.client.request<{ scriptTagDelete: { deletedScriptTagId: string | null; userErrors: unknown[] } }>(
          DELETE,
          { id: tag.id },
          { deadline: request.deadline, estimatedCost: 10, onResend: () => (resent = true) },
        );
        const errors = userErrorsOf(data.scriptTagDelete);
        if (!errors.length && data.scriptTagDelete.deletedScriptTagId) deleted.push(tag);
        // Sent again after a 5xx: the first attempt deleted it, and the retry finds it gone.
        else if (resent && errors.length && errors.every(isNotFound)) deleted.push(tag);
        else failed.push({ id: tag.id, src: tag.src, message: errors.map((e) => e.message).join('; ') || 'not deleted' });
      } catch (error) {
        failed.push({ id: tag.id, src: tag.src, message: errorMessage(error) });
      }
    }
    const result: Record<string, unknown> = { dry_run: false, ...base, deleted: deleted.map(brief), failed };
    if (matched.length) {
      const actionId = randomUUID();
      const [eventId] = await publishShopifyEvents(
        this.deps.publisher,
        [
          {
            workspaceId: ctx.workspaceId,
            topic: 'script_tags/deleted',
            idParts: [ctx.shop, 'script_tags/deleted', actionId],
            source: this.deps.source ?? 'shopify-script-tags-deactivate',
            key: ctx.shop,
            payload: {
              action_id: actionId,
              shop_domain: ctx.shop,
              deleted: deleted.map(brief),
              failed,
              not_found: notFound,
              reason: request.reason ?? null,
              requested_by: request.requestedBy ?? null,
              at: new Date((this.deps.clock ?? Date.now)()).toISOString(),
            },
          },
        ],
        request.deadline,
      );
      result.action_id = actionId;
      result.audit_event_id = eventId;
    }
    return result;
  }
}

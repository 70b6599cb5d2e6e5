/**
 * Sales Sentinel: theme rollback. Shopify has no rollback endpoint; we keep the history of main themes
 * (every `themes/publish` webhook, what we saw at install, what we publish ourselves) and roll back by
 * publishing the previous main theme again with `themePublish` (needs `write_themes` and Shopify's
 * exemption for theme publishing). A dry run reports the plan and changes nothing. Real runs are audited
 * with a `shopify.themes.rolled_back` PlatformEvent.
 */
import { randomUUID } from 'node:crypto';
import { SentinelActionError, ShopifyUserError } from './errors';
import { type Publisher, publishShopifyEvents } from './events';
import { type ShopifyGraphqlClient, userErrorsOf } from './graphql-client';
import type { ShopContext } from './shop-clients';
import type { ShopStateStore, ThemeRecord } from './shop-state-store';

type Client = Pick<ShopifyGraphqlClient, 'request'>;

export interface Theme {
  id: string;
  name: string;
  role: string;
  createdAt?: string;
  updatedAt?: string;
  processing?: boolean;
}

const THEMES = `query Themes($roles: [ThemeRole!]) {
  themes(first: 50, roles: $roles) { nodes { id name role createdAt updatedAt processing } }
}`;

const PUBLISH = `mutation PublishTheme($id: ID!) {
  themePublish(id: $id) { theme { id name role } userErrors { field message code } }
}`;

export const themeGid = (id: string | number): string => (String(id).startsWith('gid://') ? String(id) : `gid://shopify/OnlineStoreTheme/${id}`);

export async function listThemes(client: Client, deadline: number, roles?: string[]): Promise<Theme[]> {
  const data = await client.request<{ themes: { nodes: Theme[] } }>(THEMES, { roles: roles ?? null }, { deadline, estimatedCost: 52 });
  return data.themes.nodes;
}

export async function mainTheme(client: Client, deadline: number): Promise<Theme | undefined> {
  return (await listThemes(client, deadline, ['MAIN'])).find((t) => t.role === 'MAIN');
}

export interface RollbackRequest {
  dryRun: boolean;
  /** Refuse unless this is still the main theme (the theme the caller judged bad). */
  expectedCurrentThemeId?: string;
  /** Publish this theme instead of the previous main one. */
  targetThemeId?: string;
  reason?: string;
  requestedBy?: string;
  deadline: number;
}

const brief = (t: Theme) => ({ id: t.id, name: t.name, role: t.role });

export class ThemeRollback {
  constructor(
    private readonly deps: { shopState: Pick<ShopStateStore, 'themeHistory' | 'recordMainTheme'>; publisher: Publisher; clock?: () => number; source?: string },
  ) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  async rollback(ctx: Pick<ShopContext, 'shop' | 'workspaceId' | 'client'>, request: RollbackRequest): Promise<Record<string, unknown>> {
    const { shop, client } = ctx;
    const themes = await listThemes(client, request.deadline);
    const current = themes.find((t) => t.role === 'MAIN');
    if (!current) throw new SentinelActionError('no_main_theme', `${shop} has no published (main) theme`);
    if (request.expectedCurrentThemeId && themeGid(request.expectedCurrentThemeId) !== current.id) {
      throw new SentinelActionError('main_theme_changed', `the main theme of ${shop} is ${current.id} (${current.name}), not ${themeGid(request.expectedCurrentThemeId)}; nothing was changed`, 409, {
        current_main_theme: brief(current),
      });
    }
    const history = await this.deps.shopState.themeHistory(shop, 50);
    const byId = new Map(themes.map((t) => [t.id, t]));
    let target: Theme | undefined;
    let previousRecord: ThemeRecord | undefined;
    if (request.targetThemeId) {
      target = byId.get(themeGid(request.targetThemeId));
      if (!target) throw new SentinelActionError('theme_not_found', `${shop} has no theme ${themeGid(request.targetThemeId)}`, 404);
      if (target.id === current.id) throw new SentinelActionError('already_main_theme', `${target.id} is already the main theme of ${shop}`);
    } else {
      previousRecord = history.find((h) => h.theme_id !== current.id && byId.get(h.theme_id)?.role === 'UNPUBLISHED');
      target = previousRecord ? byId.get(previousRecord.theme_id) : undefined;
      if (!target) {
        throw new SentinelActionError('no_previous_theme', `no earlier main theme of ${shop} is recorded and still available to publish`, 409, {
          current_main_theme: brief(current),
          recorded_history: history.slice(0, 10),
        });
      }
    }
    if (target.role !== 'UNPUBLISHED') {
      throw new SentinelActionError('theme_not_publishable', `theme ${target.id} has role ${target.role}; only unpublished themes can be published`, 409);
    }

    const plan = {
      action: 'theme_rollback',
      shop_domain: shop,
      current_main_theme: brief(current),
      target_theme: { ...brief(target), ...(previousRecord ? { was_main_since: previousRecord.published_at } : {}) },
    };
    if (request.dryRun) return { dry_run: true, ...plan, changes: [`publish theme ${target.id} (${target.name}) as the main theme, replacing ${current.id} (${current.name})`] };

    const data = await client.request<{ themePublish: { theme: Theme | null; userErrors: unknown[] } }>(PUBLISH, { id: target.id }, { deadline: request.deadline, estimatedCost: 10 });
    const errors = userErrorsOf(data.themePublish);
    if (errors.length || !data.themePublish.theme) throw new ShopifyUserError('themePublish', errors.length ? errors : [{ message: 'no theme returned' }]);
    // What we just published is the newest main theme, whatever times other records carry (a webhook's
    // timestamp comes from Shopify's clock).
    const newestKnown = history.length ? Date.parse(history[0]!.published_at) : Number.NaN;
    const at = new Date(Number.isNaN(newestKnown) ? this.now() : Math.max(this.now(), newestKnown + 1)).toISOString();
    await this.deps.shopState.recordMainTheme(shop, { theme_id: target.id, theme_name: target.name, published_at: at, source: 'rollback' });
    const actionId = randomUUID();
    const [eventId] = await publishShopifyEvents(
      this.deps.publisher,
      [
        {
          workspaceId: ctx.workspaceId,
          topic: 'themes/rolled_back',
          idParts: [shop, 'themes/rolled_back', actionId],
          source: this.deps.source ?? 'shopify-theme-rollback',
          key: shop,
          payload: {
            action_id: actionId,
            shop_domain: shop,
            previous_main_theme: plan.current_main_theme,
            published_theme: brief(data.themePublish.theme),
            reason: request.reason ?? null,
            requested_by: request.requestedBy ?? null,
            at,
          },
        },
      ],
      request.deadline,
    );
    return { dry_run: false, action_id: actionId, ...plan, published_theme: brief(data.themePublish.theme), audit_event_id: eventId };
  }
}

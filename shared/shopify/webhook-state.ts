/**
 * What the integration remembers from Shopify events on the all-workspaces topic (the
 * `shopify-webhook-state` consumer):
 * - `shopify.themes.publish`: the new main theme, into the shop's theme history (theme rollback);
 * - order events: the newest `updated_at` seen per order (reconciliation skips those), and when order
 *   webhooks last arrived for the shop.
 */
import type { PlatformEvent } from '../events/platform-event';
import { orderIdOf } from './reconciliation';
import type { ShopStateStore } from './shop-state-store';
import { themeGid } from './themes';

export const ORDER_EVENT_TYPES = [
  'shopify.orders.created',
  'shopify.orders.updated',
  'shopify.orders.paid',
  'shopify.orders.cancelled',
  'shopify.orders.fulfilled',
  'shopify.orders.partially_fulfilled',
] as const;

export const WEBHOOK_STATE_EVENT_TYPES = ['shopify.themes.publish', ...ORDER_EVENT_TYPES];

export type WebhookStateOutcome = 'theme_recorded' | 'order_recorded' | 'ignored';

export async function recordWebhookState(
  event: PlatformEvent,
  shopState: Pick<ShopStateStore, 'recordMainTheme' | 'markOrderSeen' | 'recordWebhook'>,
): Promise<WebhookStateOutcome> {
  const payload = event.payload_json;
  const shop = typeof payload.shop_domain === 'string' ? payload.shop_domain : undefined;
  const data = (payload.data ?? {}) as Record<string, unknown>;
  if (!shop) return 'ignored';

  if (event.event_type === 'shopify.themes.publish') {
    const id = typeof data.admin_graphql_api_id === 'string' ? data.admin_graphql_api_id : data.id !== undefined ? themeGid(String(data.id)) : undefined;
    if (!id || (data.role !== undefined && data.role !== 'main')) return 'ignored';
    await shopState.recordMainTheme(shop, {
      theme_id: id,
      ...(typeof data.name === 'string' ? { theme_name: data.name } : {}),
      published_at: typeof data.updated_at === 'string' ? data.updated_at : event.timestamp,
      source: 'webhook',
    });
    return 'theme_recorded';
  }

  if ((ORDER_EVENT_TYPES as readonly string[]).includes(event.event_type)) {
    const id = orderIdOf(data.admin_graphql_api_id) ?? orderIdOf(data.id);
    const updatedAt = typeof data.updated_at === 'string' ? data.updated_at : undefined;
    if (!id || !updatedAt) return 'ignored';
    await shopState.markOrderSeen(shop, id, updatedAt, event.source_service_name);
    if (event.source_service_name === 'webhook-shopify') await shopState.recordWebhook(shop, event.timestamp);
    return 'order_recorded';
  }
  return 'ignored';
}

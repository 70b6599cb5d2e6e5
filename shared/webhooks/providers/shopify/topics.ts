/** The Shopify webhook topics the integration layer subscribes to and maps (seed §2.3). */
export const shopifyWebhookTopics = [
  'orders/create',
  'orders/updated',
  'orders/paid',
  'orders/cancelled',
  'orders/fulfilled',
  'orders/partially_fulfilled',
  'orders/delete',
  'orders/edited',
  'products/create',
  'products/update',
  'products/delete',
  'inventory_levels/update',
  'inventory_levels/connect',
  'inventory_levels/disconnect',
  'customers/create',
  'customers/update',
  'customers/delete',
  'customers/enable',
  'customers/disable',
  'themes/publish',
  'app/uninstalled',
  'shop/update',
  'checkouts/create',
  'checkouts/update',
  'checkouts/delete',
  'draft_orders/create',
  'draft_orders/update',
  'draft_orders/delete',
] as const;

/** Mandatory privacy-law topics (declared in the app configuration, not subscribed through the API). */
export const shopifyComplianceTopics = ['customers/data_request', 'customers/redact', 'shop/redact'] as const;

export const SHOPIFY_TOPIC = /^[a-z_]+\/[a-z_]+$/;

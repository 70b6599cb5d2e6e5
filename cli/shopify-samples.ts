/** Sample Shopify webhook payloads for `ionflux webhook send` (shapes as Shopify sends them, trimmed). */
import { randomInt } from 'node:crypto';

export function sampleShopifyPayload(topic: string, shop: string): Record<string, unknown> {
  const id = randomInt(1_000_000_000, 9_999_999_999);
  const now = new Date().toISOString();
  const [entity] = topic.split('/');
  switch (entity) {
    case 'orders':
      return {
        id,
        admin_graphql_api_id: `gid://shopify/Order/${id}`,
        name: `#${randomInt(1000, 9999)}`,
        email: 'customer@example.com',
        created_at: now,
        updated_at: now,
        currency: 'USD',
        total_price: '59.80',
        subtotal_price: '49.90',
        total_tax: '9.90',
        financial_status: topic === 'orders/paid' ? 'paid' : 'pending',
        line_items: [{ id: id + 1, product_id: 632910392, variant_id: 808950810, title: 'IPod Nano - 8GB', quantity: 2, price: '24.95', sku: 'IPOD2008PINK' }],
        customer: { id: 115310627, email: 'customer@example.com', first_name: 'John', last_name: 'Smith' },
      };
    case 'products':
      return { id, admin_graphql_api_id: `gid://shopify/Product/${id}`, title: 'Example T-Shirt', handle: 'example-t-shirt', status: 'active', created_at: now, updated_at: now, variants: [{ id: id + 1, price: '19.99', sku: 'TS-1', inventory_quantity: 10 }] };
    case 'inventory_levels':
      return { inventory_item_id: id, location_id: 24826418, available: 7, updated_at: now };
    case 'customers':
      if (topic === 'customers/redact') return { shop_id: 954889, shop_domain: shop, customer: { id, email: 'john@example.com', phone: '555-625-1199' }, orders_to_redact: [299938, 280263] };
      if (topic === 'customers/data_request') return { shop_id: 954889, shop_domain: shop, customer: { id, email: 'john@example.com', phone: '555-625-1199' }, orders_requested: [299938], data_request: { id: 9999 } };
      return { id, email: 'john@example.com', first_name: 'John', last_name: 'Smith', created_at: now, updated_at: now };
    case 'themes':
      return { id, name: 'Dawn', role: 'main', theme_store_id: 887, previewable: true, processing: false, created_at: now, updated_at: now };
    case 'app':
      return { id: 548380009, name: 'Super Toys', domain: shop, myshopify_domain: shop };
    case 'shop':
      if (topic === 'shop/redact') return { shop_id: 954889, shop_domain: shop };
      return { id: 548380009, name: 'Super Toys', domain: shop, myshopify_domain: shop, currency: 'USD', iana_timezone: 'America/New_York' };
    default:
      return { id, created_at: now, updated_at: now };
  }
}

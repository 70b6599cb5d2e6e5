/**
 * Read access for agents (seed §2.2: Orders, Products, Inventory, Customers, Shop APIs) through the
 * GraphQL Admin API. Results are mapped to our own snake_case shapes. Personal data (names, e-mail
 * addresses, phone numbers, postal addresses) is not even requested from Shopify unless the caller asks
 * for it (`includePii`), so it cannot leak by accident. Page sizes are bounded so that no query asks for
 * more than Shopify's 1,000-point single-query cost.
 */
import { badRequest } from '../http/errors';
import type { ShopifyGraphqlClient } from './graphql-client';
import { type GraphqlConnection, pageOf } from './pagination';

type Client = Pick<ShopifyGraphqlClient, 'request' | 'shop'>;

export const DATA_RESOURCES = ['shop', 'orders', 'products', 'inventory', 'customers', 'themes', 'script_tags'] as const;
export type DataResource = (typeof DATA_RESOURCES)[number];

export interface ListRequest {
  limit?: number;
  cursor?: string;
  /** Extra Shopify search syntax, ANDed with the filters below. */
  query?: string;
  updatedSince?: string;
  createdSince?: string;
  /** Orders: open | closed | cancelled | any. */
  status?: string;
  includePii: boolean;
  /** Orders: include up to 10 line items each. */
  includeLineItems?: boolean;
  deadline: number;
}

export interface ListResult<T> {
  shop_domain: string;
  resource: DataResource;
  items: T[];
  page: { limit: number; next_cursor: string | null };
  pii_included: boolean;
}

interface Money {
  amount: string;
  currencyCode: string;
}
type MoneySet = { shopMoney: Money } | null | undefined;

const money = (set: MoneySet) => (set?.shopMoney ? { amount: set.shopMoney.amount, currency: set.shopMoney.currencyCode } : null);

const ADDRESS = 'name firstName lastName company address1 address2 city province provinceCode zip country countryCodeV2 phone';

// ── shop ─────────────────────────────────────────────────────────────────────────────────────────
const shopQuery = (pii: boolean) => `query ShopInfo {
  shop {
    id name myshopifyDomain currencyCode ianaTimezone timezoneAbbreviation timezoneOffset weightUnit
    primaryDomain { host url }${pii ? '\n    contactEmail' : ''}
  }
}`;

interface ShopNode {
  id: string;
  name: string;
  myshopifyDomain: string;
  currencyCode: string;
  ianaTimezone: string;
  timezoneAbbreviation: string;
  timezoneOffset: string;
  weightUnit: string;
  primaryDomain: { host: string; url: string } | null;
  contactEmail?: string | null;
}

export interface ShopInfo {
  shop_domain: string;
  id: string;
  name: string;
  currency: string;
  timezone: string;
  timezone_abbreviation: string;
  timezone_offset: string;
  weight_unit: string;
  primary_domain: string | null;
  contact_email?: string | null;
}

export async function readShop(client: Client, options: { includePii: boolean; deadline: number }): Promise<ShopInfo> {
  const { shop } = await client.request<{ shop: ShopNode }>(shopQuery(options.includePii), {}, { deadline: options.deadline, estimatedCost: 3 });
  return {
    shop_domain: shop.myshopifyDomain,
    id: shop.id,
    name: shop.name,
    currency: shop.currencyCode,
    timezone: shop.ianaTimezone,
    timezone_abbreviation: shop.timezoneAbbreviation,
    timezone_offset: shop.timezoneOffset,
    weight_unit: shop.weightUnit,
    primary_domain: shop.primaryDomain?.host ?? null,
    ...(options.includePii ? { contact_email: shop.contactEmail ?? null } : {}),
  };
}

// ── limits and search ────────────────────────────────────────────────────────────────────────────
function limitOf(request: ListRequest, def: number, max: number, why: string): number {
  const limit = request.limit ?? def;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw badRequest('invalid_limit', `limit must be a whole number from 1 to ${max}${why ? ` ${why}` : ''}`, { max });
  }
  return limit;
}

const isoOrThrow = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw badRequest('invalid_date', `${name} must be an ISO 8601 date-time`);
  return at.toISOString();
};

/** Shopify search syntax from our filters; values quoted, never concatenated raw. */
export function searchQuery(request: ListRequest, extra: string[] = []): string | null {
  const terms = [...extra];
  const updated = isoOrThrow('updated_since', request.updatedSince);
  const created = isoOrThrow('created_since', request.createdSince);
  if (updated) terms.push(`updated_at:>='${updated}'`);
  if (created) terms.push(`created_at:>='${created}'`);
  if (request.query?.trim()) terms.push(`(${request.query.trim()})`);
  return terms.length ? terms.join(' AND ') : null;
}

async function list<N, T>(
  client: Client,
  resource: DataResource,
  field: string,
  query: string,
  variables: Record<string, unknown>,
  limit: number,
  includePii: boolean,
  deadline: number,
  map: (node: N) => T,
): Promise<ListResult<T>> {
  const data = await client.request<Record<string, GraphqlConnection<N>>>(query, { first: limit, after: variables.after ?? null, ...variables }, { deadline });
  const page = pageOf(data[field]);
  return { shop_domain: client.shop, resource, items: page.items.map(map), page: { limit, next_cursor: page.nextCursor }, pii_included: includePii };
}

// ── orders ───────────────────────────────────────────────────────────────────────────────────────
const ORDER_STATUS: Record<string, string | null> = { open: 'status:open', closed: 'status:closed', cancelled: 'status:cancelled', any: null };

export const orderFields = (pii: boolean, lineItems: boolean) => `id legacyResourceId name createdAt updatedAt processedAt cancelledAt closedAt
      displayFinancialStatus displayFulfillmentStatus currencyCode test tags
      totalPriceSet { shopMoney { amount currencyCode } }
      subtotalPriceSet { shopMoney { amount currencyCode } }
      totalDiscountsSet { shopMoney { amount currencyCode } }
      totalTaxSet { shopMoney { amount currencyCode } }
      customer { id${pii ? ' firstName lastName displayName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber }' : ''} }${
        pii ? `\n      email phone\n      shippingAddress { ${ADDRESS} }\n      billingAddress { ${ADDRESS} }` : ''
      }${
        lineItems
          ? '\n      lineItems(first: 10) { nodes { id title quantity sku variant { id } originalUnitPriceSet { shopMoney { amount currencyCode } } } pageInfo { hasNextPage } }'
          : ''
      }`;

const ordersQuery = (pii: boolean, lineItems: boolean) => `query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT, reverse: true) {
    edges { cursor node {
      ${orderFields(pii, lineItems)}
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Address {
  [field: string]: string | null;
}

export interface OrderNode {
  id: string;
  legacyResourceId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  cancelledAt: string | null;
  closedAt: string | null;
  displayFinancialStatus: string | null;
  displayFulfillmentStatus: string | null;
  currencyCode: string;
  test: boolean;
  tags: string[];
  totalPriceSet: MoneySet;
  subtotalPriceSet: MoneySet;
  totalDiscountsSet: MoneySet;
  totalTaxSet: MoneySet;
  customer: {
    id: string;
    firstName?: string | null;
    lastName?: string | null;
    displayName?: string | null;
    defaultEmailAddress?: { emailAddress: string | null } | null;
    defaultPhoneNumber?: { phoneNumber: string | null } | null;
  } | null;
  email?: string | null;
  phone?: string | null;
  shippingAddress?: Address | null;
  billingAddress?: Address | null;
  lineItems?: {
    nodes: Array<{ id: string; title: string; quantity: number; sku: string | null; variant: { id: string } | null; originalUnitPriceSet: MoneySet }>;
    pageInfo: { hasNextPage: boolean };
  };
}

export function mapOrder(node: OrderNode, pii: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: node.id,
    legacy_id: node.legacyResourceId,
    name: node.name,
    created_at: node.createdAt,
    updated_at: node.updatedAt,
    processed_at: node.processedAt,
    cancelled_at: node.cancelledAt,
    closed_at: node.closedAt,
    financial_status: node.displayFinancialStatus,
    fulfillment_status: node.displayFulfillmentStatus,
    currency: node.currencyCode,
    test: node.test,
    tags: node.tags,
    total_price: money(node.totalPriceSet),
    subtotal_price: money(node.subtotalPriceSet),
    total_discounts: money(node.totalDiscountsSet),
    total_tax: money(node.totalTaxSet),
    customer_id: node.customer?.id ?? null,
  };
  if (node.lineItems) {
    out.line_items = node.lineItems.nodes.map((li) => ({
      id: li.id,
      title: li.title,
      quantity: li.quantity,
      sku: li.sku,
      variant_id: li.variant?.id ?? null,
      unit_price: money(li.originalUnitPriceSet),
    }));
    out.line_items_truncated = node.lineItems.pageInfo.hasNextPage;
  }
  if (pii) {
    out.email = node.email ?? null;
    out.phone = node.phone ?? null;
    out.customer = node.customer
      ? {
          id: node.customer.id,
          first_name: node.customer.firstName ?? null,
          last_name: node.customer.lastName ?? null,
          display_name: node.customer.displayName ?? null,
          email: node.customer.defaultEmailAddress?.emailAddress ?? null,
          phone: node.customer.defaultPhoneNumber?.phoneNumber ?? null,
        }
      : null;
    out.shipping_address = node.shippingAddress ?? null;
    out.billing_address = node.billingAddress ?? null;
  }
  return out;
}

export async function listOrders(client: Client, request: ListRequest): Promise<ListResult<Record<string, unknown>>> {
  const lineItems = Boolean(request.includeLineItems);
  const limit = lineItems ? limitOf(request, 10, 15, 'with include_line_items (Shopify query cost)') : limitOf(request, 25, 50, '');
  const status = request.status ?? 'any';
  if (!(status in ORDER_STATUS)) throw badRequest('invalid_status', 'status must be one of open, closed, cancelled, any');
  const statusTerm = ORDER_STATUS[status];
  const query = searchQuery(request, statusTerm ? [statusTerm] : []);
  return list<OrderNode, Record<string, unknown>>(
    client,
    'orders',
    'orders',
    ordersQuery(request.includePii, lineItems),
    { after: request.cursor ?? null, query },
    limit,
    request.includePii,
    request.deadline,
    (n) => mapOrder(n, request.includePii),
  );
}

// ── products ─────────────────────────────────────────────────────────────────────────────────────
const productsQuery = `query Products($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT, reverse: true) {
    edges { cursor node {
      id legacyResourceId title handle status vendor productType tags createdAt updatedAt totalInventory
      variants(first: 10) { nodes { id title sku price inventoryQuantity inventoryItem { id } } pageInfo { hasNextPage } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface ProductNode {
  id: string;
  legacyResourceId: string;
  title: string;
  handle: string;
  status: string;
  vendor: string;
  productType: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  totalInventory: number | null;
  variants: { nodes: Array<{ id: string; title: string; sku: string | null; price: string; inventoryQuantity: number | null; inventoryItem: { id: string } | null }>; pageInfo: { hasNextPage: boolean } };
}

export const mapVariant = (v: { id: string; title?: string; sku?: string | null; price?: string; inventoryQuantity?: number | null; inventoryItem?: { id: string } | null }) => ({
  id: v.id,
  title: v.title ?? null,
  sku: v.sku ?? null,
  price: v.price ?? null,
  inventory_quantity: v.inventoryQuantity ?? null,
  inventory_item_id: v.inventoryItem?.id ?? null,
});

export async function listProducts(client: Client, request: ListRequest): Promise<ListResult<Record<string, unknown>>> {
  const limit = limitOf(request, 25, 40, '');
  return list<ProductNode, Record<string, unknown>>(
    client,
    'products',
    'products',
    productsQuery,
    { after: request.cursor ?? null, query: searchQuery(request) },
    limit,
    false,
    request.deadline,
    (n) => ({
      id: n.id,
      legacy_id: n.legacyResourceId,
      title: n.title,
      handle: n.handle,
      status: n.status,
      vendor: n.vendor,
      product_type: n.productType,
      tags: n.tags,
      created_at: n.createdAt,
      updated_at: n.updatedAt,
      total_inventory: n.totalInventory,
      variants: n.variants.nodes.map(mapVariant),
      variants_truncated: n.variants.pageInfo.hasNextPage,
    }),
  );
}

// ── inventory ────────────────────────────────────────────────────────────────────────────────────
const inventoryQuery = `query Inventory($first: Int!, $after: String, $query: String) {
  inventoryItems(first: $first, after: $after, query: $query) {
    edges { cursor node {
      id sku tracked updatedAt
      variant { id displayName product { id } }
      inventoryLevels(first: 10) { nodes { location { id name } quantities(names: ["available", "committed", "incoming", "on_hand"]) { name quantity } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface InventoryNode {
  id: string;
  sku: string | null;
  tracked: boolean;
  updatedAt: string;
  variant: { id: string; displayName: string; product: { id: string } | null } | null;
  inventoryLevels: { nodes: Array<{ location: { id: string; name: string }; quantities: Array<{ name: string; quantity: number }> }> };
}

export async function listInventory(client: Client, request: ListRequest): Promise<ListResult<Record<string, unknown>>> {
  const limit = limitOf(request, 25, 25, '');
  return list<InventoryNode, Record<string, unknown>>(
    client,
    'inventory',
    'inventoryItems',
    inventoryQuery,
    { after: request.cursor ?? null, query: searchQuery(request) },
    limit,
    false,
    request.deadline,
    (n) => ({
      inventory_item_id: n.id,
      sku: n.sku,
      tracked: n.tracked,
      updated_at: n.updatedAt,
      variant_id: n.variant?.id ?? null,
      variant_name: n.variant?.displayName ?? null,
      product_id: n.variant?.product?.id ?? null,
      levels: n.inventoryLevels.nodes.map((level) => ({
        location_id: level.location.id,
        location_name: level.location.name,
        ...Object.fromEntries(level.quantities.map((q) => [q.name, q.quantity])),
      })),
    }),
  );
}

// ── customers ────────────────────────────────────────────────────────────────────────────────────
const customersQuery = (pii: boolean) => `query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT, reverse: true) {
    edges { cursor node {
      id legacyResourceId createdAt updatedAt state numberOfOrders tags verifiedEmail taxExempt
      amountSpent { amount currencyCode }${
        pii ? `\n      firstName lastName displayName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber }\n      defaultAddress { ${ADDRESS} }` : ''
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface CustomerNode {
  id: string;
  legacyResourceId: string;
  createdAt: string;
  updatedAt: string;
  state: string;
  numberOfOrders: string | number;
  tags: string[];
  verifiedEmail: boolean;
  taxExempt: boolean;
  amountSpent: Money | null;
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
  defaultEmailAddress?: { emailAddress: string | null } | null;
  defaultPhoneNumber?: { phoneNumber: string | null } | null;
  defaultAddress?: Address | null;
}

export async function listCustomers(client: Client, request: ListRequest): Promise<ListResult<Record<string, unknown>>> {
  const limit = limitOf(request, 25, 100, '');
  return list<CustomerNode, Record<string, unknown>>(
    client,
    'customers',
    'customers',
    customersQuery(request.includePii),
    { after: request.cursor ?? null, query: searchQuery(request) },
    limit,
    request.includePii,
    request.deadline,
    (n) => ({
      id: n.id,
      legacy_id: n.legacyResourceId,
      created_at: n.createdAt,
      updated_at: n.updatedAt,
      state: n.state,
      number_of_orders: Number(n.numberOfOrders),
      amount_spent: n.amountSpent ? { amount: n.amountSpent.amount, currency: n.amountSpent.currencyCode } : null,
      tags: n.tags,
      verified_email: n.verifiedEmail,
      tax_exempt: n.taxExempt,
      ...(request.includePii
        ? {
            first_name: n.firstName ?? null,
            last_name: n.lastName ?? null,
            display_name: n.displayName ?? null,
            email: n.defaultEmailAddress?.emailAddress ?? null,
            phone: n.defaultPhoneNumber?.phoneNumber ?? null,
            default_address: n.defaultAddress ?? null,
          }
        : {}),
    }),
  );
}

/**
 * A local fake of Shopify (node:http on 127.0.0.1, port 0) speaking the wire format our code uses:
 *
 * - `GET  /shops/<shop>/admin/oauth/authorize` → 302 to the redirect_uri with `code`, `shop`, `state`,
 *   `timestamp`, `host` and the hex `hmac` Shopify signs them with (client secret);
 * - `POST /shops/<shop>/admin/oauth/access_token` → code exchange (single-use codes; `expiring: 1` gives a
 *   1 h access token + refresh token) and `grant_type=refresh_token` (the refresh token rotates; by
 *   default the old one is dead at once, so a double refresh fails loudly);
 * - `POST /shops/<shop>/admin/api/<version>/graphql.json` → GraphQL Admin: the access token checked (401),
 *   a leaky bucket with real `extensions.cost` (requestedQueryCost, actualQueryCost, throttleStatus),
 *   `THROTTLED` as HTTP 200 when the bucket cannot pay, MAX_COST_EXCEEDED above the single-query cap, and
 *   the resources we use: shop, orders, products, inventoryItems, customers, themes/themePublish,
 *   scriptTags/scriptTagDelete, webhookSubscriptions/webhookSubscriptionCreate, bulkOperationRunQuery and
 *   node(id:) for bulk operations;
 * - `GET /bulk/<id>.jsonl` → the bulk operation's JSONL result.
 *
 * Faults can be injected (HTTP status with Retry-After for the next GraphQL calls, or for a call carried out
 * before its answer is lost; token endpoint
 * failures, revoked refresh tokens). Every request is recorded for assertions.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../../support/listen';
import { GraphqlFieldError, GraphqlSyntaxError, type Field, parseOperation, project, resolveArgs, resultCost, selectionCost, type Selection } from './graphql-lite';

// ── data ─────────────────────────────────────────────────────────────────────────────────────────
export interface FakeOrder {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  total: string;
  status?: 'open' | 'closed' | 'cancelled';
  email?: string;
  customer?: { id: number; firstName: string; lastName: string; email: string; phone: string };
  lineItems?: Array<{ id: number; title: string; quantity: number; sku: string; price: string }>;
}

export interface FakeProduct {
  id: number;
  title: string;
  updatedAt?: string;
  variants: Array<{ id: number; sku: string; price: string; inventoryQuantity: number }>;
}

export interface FakeTheme {
  id: number;
  name: string;
  role: 'MAIN' | 'UNPUBLISHED' | 'DEVELOPMENT' | 'DEMO' | 'ARCHIVED' | 'LOCKED';
}

export interface FakeScriptTag {
  id: number;
  src: string;
  displayScope?: string;
}

export interface FakeCustomer {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  updatedAt?: string;
}

export interface FakeShopData {
  name: string;
  currency: string;
  timezone: string;
  orders: FakeOrder[];
  products: FakeProduct[];
  customers: FakeCustomer[];
  themes: FakeTheme[];
  scriptTags: FakeScriptTag[];
  webhookSubscriptions: Array<{ id: string; topic: string; uri: string; format: string }>;
  bulkOperations: Map<string, { status: string; polls: number; lines: string[]; query: string; createdAt: string; completedAt?: string }>;
  bucket: { available: number; at: number };
}

export interface FakeShopifyOptions {
  clientId: string;
  clientSecret: string;
  /** Access token lifetime for expiring tokens (default 3600 s). */
  accessTtlS?: number;
  refreshTtlS?: number;
  /** true (default): a spent refresh token is dead at once. false: valid until its successor is used. */
  strictRotation?: boolean;
  /** Leaky bucket (default 1000 points, 100 points/s, single query cap 1000). */
  maximumAvailable?: number;
  restoreRate?: number;
  maxQueryCost?: number;
  /** Polls of node(id:) before a bulk operation completes (default 2). */
  bulkPollsToComplete?: number;
  /** Topics webhookSubscriptionCreate refuses (as if not available to the app). */
  refusedTopics?: string[];
  /** Called with every token the fake issues (tests record them for the log scan). */
  onSecretIssued?: (value: string) => void;
  /** Delay of each token endpoint response (to widen races in tests). */
  tokenEndpointDelayMs?: number;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /**
   * A request for a shop the fake does not know creates it with this data (the dev tool: any
   * `*.myshopify.com` store exists). Without it, unknown shops answer 404.
   */
  newShop?: (domain: string) => Parameters<FakeShopify['addShop']>[1];
}

export interface RecordedRequest {
  kind: 'graphql' | 'token' | 'authorize' | 'bulk-download';
  shop?: string;
  rootFields?: string[];
  query?: string;
  variables?: Record<string, unknown>;
  grant?: 'authorization_code' | 'refresh_token';
  status: number;
  throttled?: boolean;
  requestedCost?: number;
  at: number;
  token?: string;
}

const gid = (type: string, id: number | string) => `gid://shopify/${type}/${id}`;
const money = (amount: string, currency: string) => ({ shopMoney: { amount, currencyCode: currency } });
const encodeCursor = (index: number) => Buffer.from(`cursor:${index}`).toString('base64');
const decodeCursor = (cursor: unknown): number => {
  if (typeof cursor !== 'string') return -1;
  const match = /^cursor:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : -1;
};

function connection<T>(items: T[], args: Record<string, unknown>) {
  const start = decodeCursor(args.after) + 1;
  const first = typeof args.first === 'number' ? args.first : items.length;
  const slice = items.slice(start, start + first);
  return {
    edges: slice.map((node, i) => ({ cursor: encodeCursor(start + i), node })),
    nodes: slice,
    pageInfo: {
      hasNextPage: start + first < items.length,
      hasPreviousPage: start > 0,
      endCursor: slice.length ? encodeCursor(start + slice.length - 1) : null,
      startCursor: slice.length ? encodeCursor(start) : null,
    },
  };
}

/** `updated_at:>='2026-01-01T00:00:00Z' AND status:open` → predicate over (fields). */
function searchPredicate(query: unknown): (fields: Record<string, string | undefined>) => boolean {
  if (typeof query !== 'string' || !query.trim()) return () => true;
  const terms = query
    .replace(/[()]/g, ' ')
    .split(/\s+AND\s+|\s+/i)
    .map((t) => t.trim())
    .filter(Boolean);
  const checks = terms.map((term) => {
    const match = /^([a-z_]+):(>=|<=|>|<)?'?([^']*)'?$/.exec(term);
    if (!match) return () => true;
    const [, field, op, raw] = match as unknown as [string, string, string | undefined, string];
    return (fields: Record<string, string | undefined>) => {
      const actual = fields[field];
      if (actual === undefined) return true; // unknown fields are ignored, as free text
      if (!op) return actual.toLowerCase() === raw.toLowerCase();
      const a = Date.parse(actual);
      const b = Date.parse(raw);
      return op === '>=' ? a >= b : op === '<=' ? a <= b : op === '>' ? a > b : a < b;
    };
  });
  return (fields) => checks.every((check) => check(fields));
}

export class FakeShopify {
  readonly requests: RecordedRequest[] = [];
  readonly shops = new Map<string, FakeShopData>();
  /** Shifts the fake's clock (token expiry, bucket refill) without sleeping. */
  clockOffsetMs = 0;
  private server: http.Server | undefined;
  private port = 0;
  private readonly codes = new Map<string, { shop: string; used: boolean; scope: string }>();
  private readonly accessTokens = new Map<string, { shop: string; expiresAt?: number; revoked?: boolean }>();
  private readonly refreshTokens = new Map<string, { shop: string; state: 'active' | 'spent' | 'revoked'; expiresAt: number; predecessor?: string }>();
  private readonly graphqlFaults: Array<{ status: number; retryAfter?: string; shop?: string; afterApplying?: boolean; rootField?: string }> = [];
  private readonly tokenFaults: Array<{ status: number; body?: unknown }> = [];
  private nextId = 1000;

  constructor(private readonly options: FakeShopifyOptions) {}

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** For SHOPIFY_API_ORIGIN. */
  get apiOriginTemplate(): string {
    return `${this.origin}/shops/{shop}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: String(error) }));
      });
    });
    await listen(this.server, this.options.port ?? 0);
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  // ── setup and control ──────────────────────────────────────────────────────────────────────────
  addShop(domain: string, data: Partial<Omit<FakeShopData, 'bulkOperations' | 'bucket' | 'webhookSubscriptions'>> = {}): FakeShopData {
    const shop: FakeShopData = {
      name: data.name ?? domain.split('.')[0]!,
      currency: data.currency ?? 'EUR',
      timezone: data.timezone ?? 'Europe/Lisbon',
      orders: data.orders ?? [],
      products: data.products ?? [],
      customers: data.customers ?? [],
      themes: data.themes ?? [{ id: 1, name: 'Dawn', role: 'MAIN' }],
      scriptTags: data.scriptTags ?? [],
      webhookSubscriptions: [],
      bulkOperations: new Map(),
      bucket: { available: this.options.maximumAvailable ?? 1000, at: this.now() },
    };
    this.shops.set(domain, shop);
    return shop;
  }

  shop(domain: string): FakeShopData {
    const shop = this.shops.get(domain);
    if (!shop) throw new Error(`fake shopify: no shop ${domain}`);
    return shop;
  }

  /** Changes limits or behaviour mid-test; buckets start full again. */
  configure(options: Partial<Omit<FakeShopifyOptions, 'clientId' | 'clientSecret'>>): void {
    Object.assign(this.options, options);
    for (const shop of this.shops.values()) shop.bucket = { available: this.options.maximumAvailable ?? 1000, at: this.now() };
  }

  /**
   * The next `count` GraphQL calls (optionally of one shop) answer `status` (with Retry-After). With
   * `afterApplying`, the call (optionally only one with `rootField`) is carried out first and only its answer
   * is lost — a 5xx from Shopify's edge after the mutation happened.
   */
  failGraphql(status: number, options: { count?: number; retryAfter?: string; shop?: string; afterApplying?: boolean; rootField?: string } = {}): void {
    for (let i = 0; i < (options.count ?? 1); i++) {
      this.graphqlFaults.push({
        status,
        ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
        ...(options.shop ? { shop: options.shop } : {}),
        ...(options.afterApplying ? { afterApplying: true } : {}),
        ...(options.rootField ? { rootField: options.rootField } : {}),
      });
    }
  }

  /** The next `count` token endpoint calls answer `status`. */
  failTokenEndpoint(status: number, options: { count?: number; body?: unknown } = {}): void {
    for (let i = 0; i < (options.count ?? 1); i++) this.tokenFaults.push({ status, ...(options.body ? { body: options.body } : {}) });
  }

  /** The merchant uninstalled / Shopify revoked: every token of the shop stops working. */
  revokeShop(shop: string): void {
    for (const token of this.accessTokens.values()) if (token.shop === shop) token.revoked = true;
    for (const token of this.refreshTokens.values()) if (token.shop === shop) token.state = 'revoked';
  }

  /** Access tokens of a shop stop working (as if expired early); refresh tokens still do. */
  expireAccessTokens(shop: string): void {
    for (const token of this.accessTokens.values()) if (token.shop === shop) token.expiresAt = this.now() - 1;
  }

  /** Issues tokens directly (tests that start from an installed shop). */
  issueTokens(shop: string, options: { expiring?: boolean; expiresInS?: number } = {}): { access_token: string; refresh_token?: string; expires_in?: number; scope: string } {
    const access = `shpat_${randomBytes(16).toString('hex')}`;
    const expiring = options.expiring ?? true;
    const ttl = options.expiresInS ?? this.options.accessTtlS ?? 3600;
    this.accessTokens.set(access, { shop, ...(expiring ? { expiresAt: this.now() + ttl * 1000 } : {}) });
    this.options.onSecretIssued?.(access);
    const scope = 'write_orders,write_products,write_inventory,write_customers,write_themes,write_script_tags';
    if (!expiring) return { access_token: access, scope };
    const refresh = `shprt_${randomBytes(16).toString('hex')}`;
    this.refreshTokens.set(refresh, { shop, state: 'active', expiresAt: this.now() + (this.options.refreshTtlS ?? 90 * 86400) * 1000 });
    this.options.onSecretIssued?.(refresh);
    return { access_token: access, refresh_token: refresh, expires_in: ttl, scope };
  }

  count(kind: RecordedRequest['kind'], filter: (r: RecordedRequest) => boolean = () => true): number {
    return this.requests.filter((r) => r.kind === kind && filter(r)).length;
  }

  /** Signs callback parameters as Shopify does (hex HMAC of the sorted query). */
  signQuery(params: Record<string, string>, secret = this.options.clientSecret): string {
    const message = Object.keys(params)
      .filter((k) => k !== 'hmac' && k !== 'signature')
      .sort()
      .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k]!)}`)
      .join('&');
    return createHmac('sha256', secret).update(message).digest('hex');
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────────
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };

    const bulk = /^\/bulk\/([A-Za-z0-9-]+)\.jsonl$/.exec(url.pathname);
    if (bulk && req.method === 'GET') {
      for (const [shop, data] of this.shops) {
        const op = data.bulkOperations.get(gid('BulkOperation', bulk[1]!));
        if (op) {
          this.requests.push({ kind: 'bulk-download', shop, status: 200, at: this.now() });
          res.writeHead(200, { 'content-type': 'application/jsonl' });
          res.end(op.lines.map((l) => `${l}\n`).join(''));
          return;
        }
      }
      return send(404, { errors: 'Not Found' });
    }

    const match = /^\/shops\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (!match) return send(404, { errors: 'Not Found' });
    const [, shopDomain, rest] = match as unknown as [string, string, string];
    if (!this.shops.has(shopDomain) && this.options.newShop && /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shopDomain)) this.addShop(shopDomain, this.options.newShop(shopDomain));
    if (!this.shops.has(shopDomain)) return send(404, { errors: 'Not Found' });

    if (rest === '/admin/oauth/authorize' && req.method === 'GET') return this.authorize(shopDomain, url, res);
    if (rest === '/admin/oauth/access_token' && req.method === 'POST') return this.tokenEndpoint(shopDomain, body, send);
    const api = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/.exec(rest);
    if (api && req.method === 'POST') return this.graphql(shopDomain, req, body, send);
    return send(404, { errors: 'Not Found' });
  }

  private authorize(shop: string, url: URL, res: http.ServerResponse): void {
    const clientId = url.searchParams.get('client_id');
    const redirectUri = url.searchParams.get('redirect_uri');
    const state = url.searchParams.get('state');
    const scope = url.searchParams.get('scope') ?? '';
    if (clientId !== this.options.clientId || !redirectUri || !state) {
      this.requests.push({ kind: 'authorize', shop, status: 400, at: this.now() });
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('Oauth error invalid_request: The redirect_uri, client_id and state are required');
      return;
    }
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { shop, used: false, scope });
    const params: Record<string, string> = {
      code,
      host: Buffer.from(`admin.shopify.com/store/${shop.split('.')[0]}`).toString('base64url'),
      shop,
      state,
      timestamp: String(Math.floor(this.now() / 1000)),
    };
    const target = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    target.searchParams.set('hmac', this.signQuery(params));
    this.requests.push({ kind: 'authorize', shop, status: 302, at: this.now() });
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  private async tokenEndpoint(shop: string, body: string, send: (status: number, payload: unknown) => void): Promise<void> {
    if (this.options.tokenEndpointDelayMs) await new Promise((r) => setTimeout(r, this.options.tokenEndpointDelayMs));
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body) as Record<string, unknown>;
    } catch {
      input = Object.fromEntries(new URLSearchParams(body));
    }
    const grant = input.grant_type === 'refresh_token' ? 'refresh_token' : 'authorization_code';
    const record = (status: number) => this.requests.push({ kind: 'token', shop, grant, status, at: this.now() });
    const fault = this.tokenFaults.shift();
    if (fault) {
      record(fault.status);
      return send(fault.status, fault.body ?? { error: 'server_error' });
    }
    if (input.client_id !== this.options.clientId || input.client_secret !== this.options.clientSecret) {
      record(401);
      return send(401, { error: 'invalid_client', error_description: 'client authentication failed' });
    }
    if (grant === 'authorization_code') {
      const code = this.codes.get(String(input.code));
      if (!code || code.used || code.shop !== shop) {
        record(400);
        return send(400, { error: 'invalid_request', error_description: 'The authorization code was not found or was already used' });
      }
      code.used = true;
      const expiring = input.expiring === '1' || input.expiring === 1;
      const tokens = this.issueTokens(shop, { expiring });
      record(200);
      return send(200, {
        ...tokens,
        scope: code.scope
          .split(',')
          .filter((s) => !s.startsWith('read_') || !code.scope.includes(`write_${s.slice(5)}`))
          .join(','),
        ...(expiring ? { refresh_token_expires_in: this.options.refreshTtlS ?? 90 * 86400 } : {}),
      });
    }
    const refresh = this.refreshTokens.get(String(input.refresh_token));
    const alive =
      refresh &&
      refresh.shop === shop &&
      refresh.expiresAt > this.now() &&
      (refresh.state === 'active' || (refresh.state === 'spent' && this.options.strictRotation === false));
    if (!alive) {
      record(400);
      return send(400, { error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked' });
    }
    refresh.state = 'spent';
    const tokens = this.issueTokens(shop, { expiring: true });
    record(200);
    send(200, { ...tokens, refresh_token_expires_in: this.options.refreshTtlS ?? 90 * 86400 });
  }

  private graphql(shop: string, req: http.IncomingMessage, body: string, send: (status: number, payload: unknown, headers?: Record<string, string>) => void): void {
    const token = String(req.headers['x-shopify-access-token'] ?? '');
    const record = (r: Partial<RecordedRequest> & { status: number }) => this.requests.push({ kind: 'graphql', shop, at: this.now(), token, ...r });
    const faultIndex = this.graphqlFaults.findIndex((f) => !f.afterApplying && (!f.shop || f.shop === shop));
    if (faultIndex >= 0) {
      const [fault] = this.graphqlFaults.splice(faultIndex, 1);
      record({ status: fault!.status });
      return send(fault!.status, { errors: 'Fault injected' }, fault!.retryAfter !== undefined ? { 'retry-after': fault!.retryAfter } : {});
    }
    const access = this.accessTokens.get(token);
    if (!access || access.shop !== shop || access.revoked || (access.expiresAt !== undefined && access.expiresAt <= this.now())) {
      record({ status: 401 });
      return send(401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
    let request: { query?: unknown; variables?: Record<string, unknown> };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      record({ status: 400 });
      return send(400, { errors: { query: 'Required parameter missing or invalid' } });
    }
    const variables = request.variables ?? {};
    let operation;
    try {
      operation = parseOperation(String(request.query ?? ''));
    } catch (error) {
      record({ status: 200, query: String(request.query) });
      return send(200, { errors: [{ message: (error as Error).message, extensions: { code: 'PARSE_ERROR' } }] });
    }
    const rootFields = operation.selections.filter((s): s is Field => s.kind === 'field').map((s) => s.name);
    const data = this.shop(shop);
    const requested = operation.type === 'mutation' ? 10 * rootFields.length : selectionCost(operation.selections, variables) || 1;
    const max = this.options.maximumAvailable ?? 1000;
    const rate = this.options.restoreRate ?? 100;
    const now = this.now();
    data.bucket.available = Math.min(max, data.bucket.available + ((now - data.bucket.at) / 1000) * rate);
    data.bucket.at = now;
    const status = () => ({ maximumAvailable: max, currentlyAvailable: Math.floor(data.bucket.available), restoreRate: rate });
    const base = { status: 200, rootFields, query: String(request.query), variables, requestedCost: requested };
    const maxCost = this.options.maxQueryCost ?? Math.min(1000, max);
    if (requested > maxCost) {
      record(base);
      return send(200, {
        errors: [{ message: `Query cost is ${requested}, which exceeds the single query max cost limit (${maxCost}).`, extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost } }],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() } },
      });
    }
    if (requested > data.bucket.available) {
      record({ ...base, throttled: true });
      return send(200, {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() } },
      });
    }
    data.bucket.available -= requested;
    const out: Record<string, unknown> = {};
    try {
      for (const selection of operation.selections) {
        if (selection.kind !== 'field') continue;
        const value = this.resolveRoot(shop, data, operation.type, selection, variables);
        out[selection.alias ?? selection.name] = project(value, selection.selections, variables, selection.name);
      }
    } catch (error) {
      data.bucket.available += requested;
      record(base);
      if (error instanceof GraphqlFieldError || error instanceof GraphqlSyntaxError || error instanceof FakeGraphqlError) {
        return send(200, { errors: [{ message: error.message, extensions: { code: error instanceof FakeGraphqlError ? error.code : 'undefinedField' } }] });
      }
      throw error;
    }
    const actual = operation.type === 'mutation' ? requested : Math.min(requested, Math.max(1, resultCost(out)));
    data.bucket.available = Math.min(max, data.bucket.available + (requested - actual));
    const lostIndex = this.graphqlFaults.findIndex((f) => f.afterApplying && (!f.shop || f.shop === shop) && (!f.rootField || rootFields.includes(f.rootField)));
    if (lostIndex >= 0) {
      const [fault] = this.graphqlFaults.splice(lostIndex, 1);
      record({ ...base, status: fault!.status });
      return send(fault!.status, { errors: 'Fault injected after the operation was applied' }, fault!.retryAfter !== undefined ? { 'retry-after': fault!.retryAfter } : {});
    }
    record(base);
    send(200, { data: out, extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: status() } } });
  }

  // ── resolvers ──────────────────────────────────────────────────────────────────────────────────
  private resolveRoot(shop: string, data: FakeShopData, type: 'query' | 'mutation', field: Field, variables: Record<string, unknown>): unknown {
    const args = resolveArgs(field, variables);
    if (type === 'query') {
      switch (field.name) {
        case 'shop':
          return this.shopNode(shop, data);
        case 'orders':
          return connection(this.sorted(data.orders.filter((o) => searchPredicate(args.query)({ updated_at: o.updatedAt, created_at: o.createdAt, status: o.status ?? 'open' })), args).map((o) => this.orderNode(o, data)), args);
        case 'products':
          return connection(this.sorted(data.products.filter((p) => searchPredicate(args.query)({ updated_at: p.updatedAt, title: p.title })), args).map((p) => this.productNode(p)), args);
        case 'inventoryItems':
          return connection(data.products.flatMap((p) => p.variants.map((v) => this.inventoryItemNode(p, v))), args);
        case 'customers':
          return connection(data.customers.map((c) => this.customerNode(c, data)), args);
        case 'themes': {
          const roles = Array.isArray(args.roles) ? (args.roles as string[]) : undefined;
          return connection(data.themes.filter((t) => !roles || roles.includes(t.role)).map((t) => this.themeNode(t)), args);
        }
        case 'scriptTags':
          return connection(data.scriptTags.map((t) => this.scriptTagNode(t)), args);
        case 'webhookSubscriptions':
          return connection(data.webhookSubscriptions.map((s) => ({ __typename: 'WebhookSubscription', ...s })), args);
        case 'node': {
          const op = data.bulkOperations.get(String(args.id));
          if (!op) return null;
          op.polls++;
          if (op.status === 'CREATED') op.status = 'RUNNING';
          if (op.status === 'RUNNING' && op.polls >= (this.options.bulkPollsToComplete ?? 2)) {
            op.status = 'COMPLETED';
            op.completedAt = new Date(this.now()).toISOString();
          }
          const id = String(args.id).split('/').pop();
          const done = op.status === 'COMPLETED';
          return {
            __typename: 'BulkOperation',
            id: args.id,
            status: op.status,
            errorCode: null,
            objectCount: String(done ? op.lines.length : 0),
            url: done && op.lines.length ? `${this.origin}/bulk/${id}.jsonl` : null,
            partialDataUrl: null,
            createdAt: op.createdAt,
            completedAt: op.completedAt ?? null,
          };
        }
        case 'currentBulkOperation': {
          // The app's most recent bulk query on this shop (what Shopify answers for type: QUERY).
          const latest = [...data.bulkOperations.entries()].sort(([, x], [, y]) => x.createdAt.localeCompare(y.createdAt)).pop();
          if (!latest) return null;
          const [id, op] = latest;
          return { __typename: 'BulkOperation', id, status: op.status, errorCode: null, query: op.query, createdAt: op.createdAt, completedAt: op.completedAt ?? null };
        }
        default:
          throw new FakeGraphqlError(`Field '${field.name}' doesn't exist on type 'QueryRoot'`, 'undefinedField');
      }
    }
    switch (field.name) {
      case 'themePublish': {
        const theme = data.themes.find((t) => gid('OnlineStoreTheme', t.id) === args.id);
        if (!theme) return { theme: null, userErrors: [{ field: ['id'], message: 'Theme does not exist', code: 'NOT_FOUND' }] };
        for (const t of data.themes) if (t.role === 'MAIN') t.role = 'UNPUBLISHED';
        theme.role = 'MAIN';
        return { theme: this.themeNode(theme), userErrors: [] };
      }
      case 'scriptTagDelete': {
        const index = data.scriptTags.findIndex((t) => gid('ScriptTag', t.id) === args.id);
        if (index < 0) return { deletedScriptTagId: null, userErrors: [{ field: ['id'], message: 'Script tag does not exist' }] };
        data.scriptTags.splice(index, 1);
        return { deletedScriptTagId: args.id, userErrors: [] };
      }
      case 'webhookSubscriptionCreate': {
        const topic = String(args.topic);
        const input = (args.webhookSubscription ?? {}) as { uri?: string; format?: string };
        if (!/^[A-Z_]+$/.test(topic) || (this.options.refusedTopics ?? []).includes(topic)) {
          return { webhookSubscription: null, userErrors: [{ field: ['topic'], message: `Topic ${topic} is not available for this app` }] };
        }
        if (!input.uri || !/^(https:\/\/|http:\/\/127\.0\.0\.1)/.test(input.uri)) return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'uri'], message: 'Address is invalid' }] };
        if (data.webhookSubscriptions.some((s) => s.topic === topic && s.uri === input.uri)) {
          return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'uri'], message: 'Address for this topic has already been taken' }] };
        }
        const subscription = { id: gid('WebhookSubscription', this.nextId++), topic, uri: input.uri, format: input.format ?? 'JSON' };
        data.webhookSubscriptions.push(subscription);
        return { webhookSubscription: { __typename: 'WebhookSubscription', ...subscription }, userErrors: [] };
      }
      case 'bulkOperationRunQuery': {
        const running = [...data.bulkOperations.values()].some((op) => op.status === 'CREATED' || op.status === 'RUNNING');
        if (running) return { bulkOperation: null, userErrors: [{ field: ['query'], message: 'A bulk query operation for this app and shop is already in progress.', code: 'OPERATION_IN_PROGRESS' }] };
        const lines = this.bulkLines(data, String(args.query ?? ''));
        const id = gid('BulkOperation', randomUUID());
        const createdAt = new Date(this.now()).toISOString();
        data.bulkOperations.set(id, { status: 'CREATED', polls: 0, lines, query: String(args.query), createdAt });
        return { bulkOperation: { __typename: 'BulkOperation', id, status: 'CREATED', createdAt }, userErrors: [] };
      }
      default:
        throw new FakeGraphqlError(`Field '${field.name}' doesn't exist on type 'Mutation'`, 'undefinedField');
    }
  }

  /** JSONL of a bulk query over products (variants as their own lines with __parentId). */
  private bulkLines(data: FakeShopData, query: string): string[] {
    const operation = parseOperation(query);
    const root = operation.selections.find((s): s is Field => s.kind === 'field');
    if (!root || root.name !== 'products') throw new FakeGraphqlError('the fake supports bulk queries over products only', 'INVALID');
    const nodeSelections = (sel: Selection[] | undefined): Selection[] =>
      (sel ?? []).flatMap((c) => (c.kind === 'field' && c.name === 'edges' ? (c.selections ?? []).flatMap((e) => (e.kind === 'field' && e.name === 'node' ? (e.selections ?? []) : [])) : []));
    const productSelections = nodeSelections(root.selections);
    const variantsField = productSelections.find((s): s is Field => s.kind === 'field' && s.name === 'variants');
    const plain = productSelections.filter((s) => s !== variantsField);
    const lines: string[] = [];
    for (const product of data.products) {
      const node = this.productNode(product);
      lines.push(JSON.stringify(project(node, plain, {})));
      if (variantsField) {
        for (const variant of product.variants) {
          lines.push(JSON.stringify({ ...(project(this.variantNode(variant), nodeSelections(variantsField.selections), {}) as object), __parentId: node.id }));
        }
      }
    }
    return lines;
  }

  private sorted<T extends { updatedAt?: string }>(items: T[], args: Record<string, unknown>): T[] {
    const out = [...items];
    if (args.sortKey === 'UPDATED_AT') out.sort((a, b) => Date.parse(a.updatedAt ?? '') - Date.parse(b.updatedAt ?? ''));
    if (args.reverse === true) out.reverse();
    return out;
  }

  private shopNode(domain: string, data: FakeShopData) {
    return {
      __typename: 'Shop',
      id: gid('Shop', 1),
      name: data.name,
      myshopifyDomain: domain,
      currencyCode: data.currency,
      ianaTimezone: data.timezone,
      timezoneAbbreviation: 'WET',
      timezoneOffset: '+0000',
      weightUnit: 'KILOGRAMS',
      primaryDomain: { host: domain, url: `https://${domain}` },
      contactEmail: `owner@${domain}`,
    };
  }

  private address(name: string) {
    return { name, firstName: name.split(' ')[0], lastName: name.split(' ')[1] ?? '', company: null, address1: '1 Rua Augusta', address2: null, city: 'Lisboa', province: null, provinceCode: null, zip: '1100-053', country: 'Portugal', countryCodeV2: 'PT', phone: '+351210000000' };
  }

  private orderNode(order: FakeOrder, data: FakeShopData) {
    const c = order.customer;
    return {
      __typename: 'Order',
      id: gid('Order', order.id),
      legacyResourceId: String(order.id),
      name: order.name,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
      processedAt: order.createdAt,
      cancelledAt: order.status === 'cancelled' ? order.updatedAt : null,
      closedAt: order.status === 'closed' ? order.updatedAt : null,
      displayFinancialStatus: 'PAID',
      displayFulfillmentStatus: 'UNFULFILLED',
      currencyCode: data.currency,
      test: false,
      tags: [],
      totalPriceSet: money(order.total, data.currency),
      subtotalPriceSet: money(order.total, data.currency),
      totalDiscountsSet: money('0.00', data.currency),
      totalTaxSet: money('0.00', data.currency),
      customer: c
        ? { __typename: 'Customer', id: gid('Customer', c.id), firstName: c.firstName, lastName: c.lastName, displayName: `${c.firstName} ${c.lastName}`, defaultEmailAddress: { emailAddress: c.email }, defaultPhoneNumber: { phoneNumber: c.phone } }
        : null,
      email: order.email ?? c?.email ?? null,
      phone: c?.phone ?? null,
      shippingAddress: c ? this.address(`${c.firstName} ${c.lastName}`) : null,
      billingAddress: c ? this.address(`${c.firstName} ${c.lastName}`) : null,
      lineItems: (args: Record<string, unknown>) =>
        connection(
          (order.lineItems ?? []).map((li) => ({ __typename: 'LineItem', id: gid('LineItem', li.id), title: li.title, quantity: li.quantity, sku: li.sku, variant: { id: gid('ProductVariant', li.id) }, originalUnitPriceSet: money(li.price, data.currency) })),
          args,
        ),
    };
  }

  private variantNode(v: FakeProduct['variants'][number]) {
    return { __typename: 'ProductVariant', id: gid('ProductVariant', v.id), title: v.sku, sku: v.sku, price: v.price, inventoryQuantity: v.inventoryQuantity, inventoryItem: { id: gid('InventoryItem', v.id) } };
  }

  private productNode(p: FakeProduct) {
    return {
      __typename: 'Product',
      id: gid('Product', p.id),
      legacyResourceId: String(p.id),
      title: p.title,
      handle: p.title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      status: 'ACTIVE',
      vendor: 'IONFLUX Test',
      productType: 'Thing',
      tags: [],
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: p.updatedAt ?? '2026-01-02T00:00:00Z',
      totalInventory: p.variants.reduce((n, v) => n + v.inventoryQuantity, 0),
      variants: (args: Record<string, unknown>) => connection(p.variants.map((v) => this.variantNode(v)), args),
    };
  }

  private inventoryItemNode(p: FakeProduct, v: FakeProduct['variants'][number]) {
    return {
      __typename: 'InventoryItem',
      id: gid('InventoryItem', v.id),
      sku: v.sku,
      tracked: true,
      updatedAt: p.updatedAt ?? '2026-01-02T00:00:00Z',
      variant: { id: gid('ProductVariant', v.id), displayName: `${p.title} - ${v.sku}`, product: { id: gid('Product', p.id) } },
      inventoryLevels: (args: Record<string, unknown>) =>
        connection(
          [
            {
              location: { id: gid('Location', 1), name: 'Warehouse' },
              quantities: (a: Record<string, unknown>) => (Array.isArray(a.names) ? (a.names as string[]) : ['available']).map((name) => ({ name, quantity: name === 'available' || name === 'on_hand' ? v.inventoryQuantity : 0 })),
            },
          ],
          args,
        ),
    };
  }

  private customerNode(c: FakeCustomer, data: FakeShopData) {
    return {
      __typename: 'Customer',
      id: gid('Customer', c.id),
      legacyResourceId: String(c.id),
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: c.updatedAt ?? '2026-01-02T00:00:00Z',
      state: 'ENABLED',
      numberOfOrders: '2',
      tags: [],
      verifiedEmail: true,
      taxExempt: false,
      amountSpent: { amount: '99.90', currencyCode: data.currency },
      firstName: c.firstName,
      lastName: c.lastName,
      displayName: `${c.firstName} ${c.lastName}`,
      defaultEmailAddress: { emailAddress: c.email },
      defaultPhoneNumber: { phoneNumber: c.phone },
      defaultAddress: this.address(`${c.firstName} ${c.lastName}`),
    };
  }

  private themeNode(t: FakeTheme) {
    return { __typename: 'OnlineStoreTheme', id: gid('OnlineStoreTheme', t.id), name: t.name, role: t.role, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', processing: false };
  }

  private scriptTagNode(t: FakeScriptTag) {
    return { __typename: 'ScriptTag', id: gid('ScriptTag', t.id), legacyResourceId: String(t.id), src: t.src, displayScope: t.displayScope ?? 'ONLINE_STORE', cache: false, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };
  }
}

class FakeGraphqlError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

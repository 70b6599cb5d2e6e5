/**
 * From "workspace W (and maybe shop S)" to a GraphQL client for that shop: the connection must exist,
 * belong to W, be active and hold a token reference. A workspace with one shop needs no `shop`; with
 * several, the caller names one.
 */
import { normaliseAccountId } from '../connections/account-ids';
import type { Connection, ConnectionRegistry } from '../connections/connection-registry';
import { graphqlEndpoint, type ShopifyConfig } from './config';
import { ShopNotConnectedError } from './errors';
import { ShopifyGraphqlClient } from './graphql-client';
import type { ShopStateStore } from './shop-state-store';
import type { ThrottleBudgets } from './throttle-budget';
import type { FetchFn } from './token-endpoint';
import type { ShopAccess, TokenManager } from './token-manager';

export interface ShopContext {
  shop: string;
  workspaceId: string;
  connection: Connection;
  access: ShopAccess;
  client: ShopifyGraphqlClient;
}

export interface ShopClientsOptions {
  config: Pick<ShopifyConfig, 'apiOriginTemplate' | 'apiVersion'>;
  connections: Pick<ConnectionRegistry, 'get'>;
  shopState: Pick<ShopStateStore, 'shopsOf'>;
  tokens: Pick<TokenManager, 'accessToken' | 'rejected'>;
  fetch: FetchFn;
  budgets: ThrottleBudgets;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class ShopClients {
  constructor(private readonly options: ShopClientsOptions) {}

  /** The client of a connection that is active and has tokens. */
  forConnection(connection: Connection): ShopContext {
    const shop = connection.account_id;
    if (connection.status !== 'active') {
      throw new ShopNotConnectedError(
        `${shop} is ${connection.status} for workspace ${connection.workspace_id}${connection.status_reason ? ` (${connection.status_reason})` : ''}; connect it again through /oauth/shopify/install`,
        { status: 409, details: { shop, workspace_id: connection.workspace_id, status: connection.status } },
      );
    }
    const secretName = connection.details.access_token_secret_ref;
    if (typeof secretName !== 'string' || !secretName) {
      throw new ShopNotConnectedError(`${shop} was connected without an OAuth install (no access token); install the app through /oauth/shopify/install`, {
        status: 409,
        details: { shop, workspace_id: connection.workspace_id },
      });
    }
    const access: ShopAccess = { shop, workspaceId: connection.workspace_id, secretName };
    const { tokens } = this.options;
    const client = new ShopifyGraphqlClient({
      shop,
      endpoint: graphqlEndpoint(this.options.config, shop),
      tokens: { token: (o) => tokens.accessToken(access, o), rejected: (token, o) => tokens.rejected(access, token, o) },
      fetch: this.options.fetch,
      budgets: this.options.budgets,
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    });
    return { shop, workspaceId: connection.workspace_id, connection, access, client };
  }

  /** The workspace's shop (`shop` required only when it installed several). */
  async forWorkspace(workspaceId: string, shop?: string): Promise<ShopContext> {
    if (shop) {
      const id = normaliseAccountId('shopify', shop);
      const connection = await this.options.connections.get('shopify', id);
      if (!connection || connection.workspace_id !== workspaceId) {
        throw new ShopNotConnectedError(`${id} is not connected to workspace ${workspaceId}`, { details: { shop: id, workspace_id: workspaceId } });
      }
      return this.forConnection(connection);
    }
    const candidates: Connection[] = [];
    for (const linked of await this.options.shopState.shopsOf(workspaceId)) {
      const connection = await this.options.connections.get('shopify', linked);
      if (connection?.workspace_id === workspaceId) candidates.push(connection);
    }
    const active = candidates.filter((c) => c.status === 'active');
    if (active.length === 1) return this.forConnection(active[0]!);
    if (active.length > 1) {
      throw new ShopNotConnectedError(`workspace ${workspaceId} has several Shopify stores; say which with ?shop=<domain>`, {
        status: 400,
        details: { workspace_id: workspaceId, shops: active.map((c) => c.account_id) },
      });
    }
    if (candidates.length === 1) return this.forConnection(candidates[0]!);
    throw new ShopNotConnectedError(`workspace ${workspaceId} has no connected Shopify store; install the app through /oauth/shopify/install`, {
      details: { workspace_id: workspaceId },
    });
  }
}

/**
 * Installing the IONFLUX app on a shop (OAuth authorization-code grant with an expiring offline token).
 *
 * `beginInstall`: a single-use `state` bound to the workspace and shop (10 min), then the shop's
 * authorize URL with our scopes and callback.
 *
 * `completeInstall`, in this order, each failure refusing with its own code:
 * 1. `hmac` of the exact query (hex HMAC-SHA256 with the client secret, constant time) — nothing else is
 *    looked at before it passes;
 * 2. `timestamp` within ±90 s; 3. the shop domain pattern; 4. the state, consumed atomically (a replayed
 *    callback finds it used) and bound to the same shop;
 * 5. the shop is not connected to another workspace;
 * 6. code → expiring offline token (`expiring: 1`), stored in Secrets Manager under
 *    `<root>/connections/shopify/<workspace_id>/<shop>`; the connection keeps only that name;
 * 7. webhook subscriptions for every backbone topic pointed at our `/webhooks/shopify`, the current main
 *    theme recorded, the shop's currency and timezone read;
 * 8. `shopify.app.installed` published.
 */
import { normaliseAccountId } from '../connections/account-ids';
import type { ConnectionRegistry } from '../connections/connection-registry';
import { InvalidAccountIdError } from '../connections/errors';
import { errorMessage } from '../errors';
import { OAuthRefusedError } from '../oauth/errors';
import { assertConnectable, type ConnectionTarget, connectAccount, consumeInstallState, installWorkspace } from '../oauth/install';
import type { InstallPageText } from '../oauth/pages';
import type { OAuthStateStore } from '../oauth/state-store';
import { moduleLogger } from '../observability/logger';
import { authorizeEndpoint, missingScopes, type ShopifyConfig } from './config';
import { readShop, type ShopInfo } from './data-access';
import { type Publisher, publishShopifyEvents } from './events';
import { verifyInstallLink } from './install-link';
import { parseQueryPairs, verifyOAuthQuery } from './oauth-hmac';
import type { ShopClients } from './shop-clients';
import type { ShopStateStore } from './shop-state-store';
import { mainTheme } from './themes';
import { type AppCredentials, type ShopifyTokenEndpoint, TokenGrantRejectedError } from './token-endpoint';
import type { TokenManager } from './token-manager';
import { shopTokenSecretName, type ShopTokenStore } from './token-store';
import { type RegistrationReport, registerWebhooks } from './webhook-registration';

const log = moduleLogger('shopify');

/** Shopify's own tolerance for the callback's `timestamp`. */
export const TIMESTAMP_TOLERANCE_S = 90;

export const CALLBACK_PATH = '/oauth/shopify/callback';
export const WEBHOOK_PATH = '/webhooks/shopify';

/** How the install pages read (shared/oauth/pages.ts). */
export const SHOPIFY_PAGES: InstallPageText = { subject: 'Shopify store', app: 'Shopify' };

export interface ShopifyApp extends AppCredentials {
  /** During a client-secret rotation Shopify may still sign with the previous secret. */
  previousClientSecret?: string;
}

export interface OAuthServiceOptions {
  config: ShopifyConfig;
  app: () => Promise<ShopifyApp>;
  states: Pick<OAuthStateStore, 'consume'>;
  endpoint: Pick<ShopifyTokenEndpoint, 'exchangeCode'>;
  tokenStore: ShopTokenStore;
  tokenManager: Pick<TokenManager, 'remember'>;
  connections: Pick<ConnectionRegistry, 'get' | 'connect' | 'updateDetails'>;
  shopState: Pick<ShopStateStore, 'linkWorkspace' | 'recordMainTheme' | 'ordersState' | 'setWatermark'>;
  clients: Pick<ShopClients, 'forConnection'>;
  publisher: Publisher;
  secretRoot: string;
  webhookTopics: readonly string[];
  clock?: () => number;
}

export interface InstallResult {
  shop: string;
  workspace_id: string;
  reinstall: boolean;
  scopes: string[];
  missing_scopes: string[];
  shop_info: ShopInfo | null;
  webhooks: RegistrationReport | null;
  warnings: string[];
  event_id: string;
}

function shopOf(raw: string | undefined): string {
  if (!raw) throw new OAuthRefusedError('invalid_shop', 'the shop parameter is missing');
  try {
    return normaliseAccountId('shopify', raw);
  } catch (error) {
    if (error instanceof InvalidAccountIdError) throw new OAuthRefusedError('invalid_shop', `"${raw}" is not a Shopify shop domain (expected e.g. acme.myshopify.com)`);
    throw error;
  }
}

export interface InstallDeps {
  config: Pick<ShopifyConfig, 'apiOriginTemplate' | 'scopes'>;
  app: () => Promise<Pick<ShopifyApp, 'clientId' | 'clientSecret' | 'previousClientSecret'>>;
  states: Pick<OAuthStateStore, 'create'>;
  clock?: () => number;
}

/**
 * Where to send the browser to start an install of `shop` into `workspaceId`; the link must be one we
 * signed for that shop and workspace (install-link.ts).
 */
export async function beginInstall(
  deps: InstallDeps,
  input: { shop: string | undefined; workspaceId: string | undefined; expires: string | undefined; signature: string | undefined; baseUrl: string },
): Promise<{ location: string; shop: string; workspaceId: string }> {
  const shop = shopOf(input.shop);
  const workspaceId = installWorkspace(input.workspaceId);
  const app = await deps.app();
  const secrets = [app.clientSecret, app.previousClientSecret].filter((s): s is string => Boolean(s));
  verifyInstallLink(secrets, { shop, workspaceId, expires: input.expires, signature: input.signature }, (deps.clock ?? Date.now)());
  const state = await deps.states.create(workspaceId, { shop });
  const url = new URL(authorizeEndpoint(deps.config, shop));
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('scope', deps.config.scopes.join(','));
  url.searchParams.set('redirect_uri', `${input.baseUrl}${CALLBACK_PATH}`);
  url.searchParams.set('state', state);
  return { location: url.toString(), shop, workspaceId };
}

export class ShopifyOAuth {
  constructor(private readonly options: OAuthServiceOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async completeInstall(input: { rawQuery: string; baseUrl: string; deadline: number }): Promise<InstallResult> {
    const app = await this.options.app();
    const secrets = [app.clientSecret, app.previousClientSecret].filter((s): s is string => Boolean(s));
    if (!verifyOAuthQuery(input.rawQuery, secrets)) {
      throw new OAuthRefusedError('invalid_hmac', 'the callback is not signed by Shopify (hmac does not match); start the install again', 401);
    }
    const params = new Map<string, string[]>();
    for (const [key, value] of parseQueryPairs(input.rawQuery)) params.set(key, [...(params.get(key) ?? []), value]);
    const one = (key: string): string | undefined => {
      const values = params.get(key);
      if (values && values.length > 1) throw new OAuthRefusedError('invalid_callback', `the callback carries "${key}" more than once`);
      return values?.[0];
    };

    const timestamp = one('timestamp');
    if (!timestamp || !/^\d{1,12}$/.test(timestamp)) throw new OAuthRefusedError('invalid_callback', 'the callback has no valid timestamp');
    const skew = Math.abs(this.now() / 1000 - Number(timestamp));
    if (skew > TIMESTAMP_TOLERANCE_S) {
      throw new OAuthRefusedError('stale_timestamp', `the callback's timestamp is ${Math.round(skew)} s away from now (at most ${TIMESTAMP_TOLERANCE_S} s); start the install again`);
    }
    const shop = shopOf(one('shop'));
    const code = one('code');
    const state = one('state');
    if (!code) throw new OAuthRefusedError('invalid_callback', 'the callback has no authorization code');

    const install = await consumeInstallState(this.options.states, state);
    const workspaceId = install.workspace_id;
    if (install.binding.shop !== shop) {
      throw new OAuthRefusedError('state_shop_mismatch', `this install was started for ${install.binding.shop}, not ${shop}`);
    }

    const target: ConnectionTarget = { provider: 'shopify', account: shop, workspaceId, uninstall: 'uninstall it', details: { shop } };
    const existing = await assertConnectable(this.options.connections, target);

    let tokens;
    try {
      tokens = await this.options.endpoint.exchangeCode(shop, code, app);
    } catch (error) {
      if (error instanceof TokenGrantRejectedError) {
        throw new OAuthRefusedError('code_exchange_refused', `Shopify refused the authorization code (HTTP ${error.httpStatus}${error.oauthError ? `, ${error.oauthError}` : ''}); start the install again`, 502);
      }
      throw error;
    }
    const secretName = shopTokenSecretName(this.options.secretRoot, workspaceId, shop);
    this.options.tokenManager.remember(secretName, await this.options.tokenStore.write(secretName, tokens, { shop, workspaceId }));

    const granted = tokens.scope.split(',').map((s) => s.trim()).filter(Boolean);
    const missing = missingScopes(this.options.config.scopes, granted);
    const installedAt = new Date(this.now()).toISOString();
    const webhookUri = `${input.baseUrl}${WEBHOOK_PATH}`;
    const reinstall = existing?.workspace_id === workspaceId;
    let connection = await connectAccount(this.options.connections, target, {
      access_token_secret_ref: secretName,
      scopes: granted,
      missing_scopes: missing,
      token_kind: tokens.refresh_token ? 'expiring_offline' : 'offline',
      api_version: this.options.config.apiVersion,
      installed_at: installedAt,
      webhook_uri: webhookUri,
    });
    await this.options.shopState.linkWorkspace(workspaceId, shop);
    // The order watermark starts at the install. Only an install continuing an active connection of the same
    // workspace (e.g. granting new scopes) keeps its own: after an uninstall, or in another workspace, the
    // orders of the gap were never this install's to publish (they would count as new sales).
    const continuing = existing?.workspace_id === workspaceId && existing.status === 'active';
    if (!continuing || !(await this.options.shopState.ordersState(shop)).watermark) await this.options.shopState.setWatermark(shop, installedAt);

    // What Shopify tells us about the shop, the webhook subscriptions, the current main theme: each may
    // fail on its own without undoing the install (the reconciliation pass repairs subscriptions).
    const warnings: string[] = [];
    const { client } = this.options.clients.forConnection(connection);
    const [shopInfo, webhooks, theme] = await Promise.all([
      readShop(client, { includePii: false, deadline: input.deadline }).catch((error: unknown) => {
        warnings.push(`shop details not read: ${errorMessage(error)}`);
        return null;
      }),
      registerWebhooks(client, { uri: webhookUri, topics: this.options.webhookTopics, deadline: input.deadline }).catch((error: unknown) => {
        warnings.push(`webhook subscriptions not registered: ${errorMessage(error)}`);
        return null;
      }),
      mainTheme(client, input.deadline).catch((error: unknown) => {
        warnings.push(`main theme not read: ${errorMessage(error)}`);
        return undefined;
      }),
    ]);
    if (webhooks?.failed.length) warnings.push(`${webhooks.failed.length} webhook subscription(s) failed: ${webhooks.failed.map((f) => f.topic).join(', ')}`);
    if (missing.length) warnings.push(`scopes not granted: ${missing.join(', ')}`);
    if (theme) await this.options.shopState.recordMainTheme(shop, { theme_id: theme.id, theme_name: theme.name, published_at: installedAt, source: 'install' });
    connection = await this.options.connections.updateDetails('shopify', shop, {
      ...(shopInfo ? { shop_name: shopInfo.name, currency: shopInfo.currency, timezone: shopInfo.timezone } : {}),
      webhook_subscriptions: webhooks ? { uri: webhooks.uri, created: webhooks.created.length, existing: webhooks.existing.length, failed: webhooks.failed } : null,
    });

    const [eventId] = await publishShopifyEvents(
      this.options.publisher,
      [
        {
          workspaceId,
          topic: 'app/installed',
          idParts: [shop, 'app/installed', installedAt],
          source: 'shopify-oauth-callback',
          key: shop,
          payload: {
            shop_domain: shop,
            installed_at: installedAt,
            reinstall,
            scopes: granted,
            missing_scopes: missing,
            token_kind: connection.details.token_kind,
            shop: shopInfo ? { name: shopInfo.name, currency: shopInfo.currency, timezone: shopInfo.timezone } : null,
            webhook_subscriptions: webhooks ? { created: webhooks.created, existing: webhooks.existing, failed: webhooks.failed } : null,
          },
        },
      ],
      input.deadline,
    );
    log.info('shopify app installed', { shop, workspace_id: workspaceId, reinstall, warnings: warnings.length });
    return {
      shop,
      workspace_id: workspaceId,
      reinstall,
      scopes: granted,
      missing_scopes: missing,
      shop_info: shopInfo,
      webhooks,
      warnings,
      event_id: eventId!,
    };
  }
}

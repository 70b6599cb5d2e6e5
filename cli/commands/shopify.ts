/**
 * Operator commands for the Shopify integration:
 *   ionflux shopify install-url <shop> --workspace <id> [--base-url <url>]   the signed link a merchant opens to connect a store
 *   ionflux shopify status <shop>                                          connection, token expiry, sync and theme state
 *   ionflux shopify sync <catalog|reconcile> <shop>                        run one shop's sync now, in process
 *   ionflux shopify migrate-tokens [--dry-run] [--json]                    move shop tokens to <root>/connections/shopify/
 */
import { parseArgs } from 'node:util';
import { normaliseAccountId } from '../../shared/connections/account-ids';
import { connectionRegistry } from '../../shared/runtime/connections';
import { shopClients, shopifyConfig, shopifyFetch, shopStateStore, shopTokenMigration, shopTokenStore } from '../../shared/runtime/shopify';
import { catalogSync, orderReconciliation } from '../../shared/runtime/shopify-syncs';
import { shopifyApp } from '../../shared/runtime/shopify-core';
import { installLinkQuery } from '../../shared/shopify/install-link';
import { SYNC_KINDS, type SyncKind, runSyncJob } from '../../shared/shopify/sync-jobs';
import { assertWorkspaceId } from '../../shared/workspaces/workspace-id';
import { shopifyWebhookTopics } from '../../shared/webhooks/providers/shopify/topics';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

const installUrlOptions = { workspace: { type: 'string' }, 'base-url': { type: 'string' } } as const;

export const shopifyInstallUrl: Command = {
  path: ['shopify', 'install-url'],
  usage: 'ionflux shopify install-url <shop> --workspace <id> [--base-url <url>]',
  summary: 'print the signed link that connects a Shopify store to a workspace (valid 24 h; open it in a browser)',
  options: installUrlOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: installUrlOptions, allowPositionals: true });
    const [shop, ...rest] = positionals;
    if (!shop || rest.length || !values.workspace) throw new UsageError(this.usage);
    const domain = normaliseAccountId('shopify', shop);
    const workspaceId = assertWorkspaceId(values.workspace);
    const base = (values['base-url'] ?? shopifyConfig().publicBaseUrl ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
    const { clientSecret } = await shopifyApp();
    io.out(`${base}/oauth/shopify/install?${installLinkQuery(clientSecret, domain, workspaceId, Date.now()).toString()}`);
  },
};

/** The shop's canonical domain and its connection, if any (resources created first against an emulator). */
async function connectedShop(shop: string) {
  const domain = normaliseAccountId('shopify', shop);
  await ensureResources();
  return { domain, connection: await connectionRegistry().get('shopify', domain) };
}

export const shopifyStatus: Command = {
  path: ['shopify', 'status'],
  usage: 'ionflux shopify status <shop>',
  summary: 'a shop’s connection, token expiry (never the token), sync watermarks and main-theme history',
  async run(args, io) {
    const [shop, ...rest] = args;
    if (!shop || rest.length) throw new UsageError(this.usage);
    const { domain, connection } = await connectedShop(shop);
    if (!connection) {
      io.err(`no workspace is connected to ${domain}`);
      return 1;
    }
    const ref = connection.details.access_token_secret_ref;
    const tokens = typeof ref === 'string' ? await shopTokenStore().read(ref) : undefined;
    const state = shopStateStore();
    io.out(
      JSON.stringify(
        {
          connection,
          token: tokens
            ? {
                kind: tokens.refresh_token ? 'expiring_offline' : 'offline',
                expires_at: tokens.expires_at ? new Date(tokens.expires_at).toISOString() : null,
                refresh_token_expires_at: tokens.refresh_token_expires_at ? new Date(tokens.refresh_token_expires_at).toISOString() : null,
                updated_at: tokens.updated_at,
              }
            : null,
          orders: await state.ordersState(domain),
          catalog_sync: (await state.catalogSync(domain)) ?? null,
          main_theme_history: await state.themeHistory(domain, 5),
        },
        null,
        2,
      ),
    );
  },
};

export const shopifySync: Command = {
  path: ['shopify', 'sync'],
  usage: 'ionflux shopify sync <catalog|reconcile> <shop>',
  summary: 'run one shop’s catalog sync or order reconciliation now and print the result',
  async run(args, io) {
    const [kind, shop, ...rest] = args;
    if (!kind || !shop || rest.length) throw new UsageError(this.usage);
    if (!(SYNC_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown sync "${kind}" (${SYNC_KINDS.join(', ')})`);
    const { domain, connection } = await connectedShop(shop);
    if (!connection) {
      io.err(`no workspace is connected to ${domain}`);
      return 1;
    }
    const outcome = await runSyncJob(
      { kind: kind as SyncKind, shop: domain, workspace_id: connection.workspace_id, requested_at: new Date().toISOString() },
      { clients: shopClients(), catalog: catalogSync(), reconciliation: orderReconciliation(), fetch: shopifyFetch, webhookTopics: shopifyWebhookTopics },
      { deadline: Date.now() + 14 * 60_000 },
    );
    io.out(JSON.stringify(outcome));
    return outcome.status === 'done' ? 0 : 1;
  },
};

export const shopifyMigrateTokens: Command = {
  path: ['shopify', 'migrate-tokens'],
  usage: 'ionflux shopify migrate-tokens [--dry-run] [--json]',
  summary: 'move shop tokens from <root>/workspaces/<ws>/shopify/<shop> to <root>/connections/shopify/<ws>/<shop> (safe while refreshes run; idempotent)',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
    await ensureResources();
    const report = await shopTokenMigration().run({ dryRun: values['dry-run'] });
    for (const item of report.items) {
      if (values.json) io.out(JSON.stringify(item));
      else io.out(`${item.outcome.padEnd(16)} ${item.shop}  workspace ${item.workspace_id}  ${item.from} → ${item.to}${item.reference_updated ? '  (connection updated)' : ''}${item.detail ? `  ${item.detail}` : ''}`);
    }
    const count = (outcome: string) => report.items.filter((i) => i.outcome === outcome).length;
    io.out(
      report.dry_run
        ? `dry run: ${count('would_migrate')} to migrate, ${count('already_migrated')} already migrated, ${count('skipped')} skipped; nothing was changed`
        : `migrated ${count('migrated')}, already migrated ${count('already_migrated')}, skipped ${count('skipped')}, to run again ${report.pending}`,
    );
    return report.pending ? 1 : 0;
  },
};

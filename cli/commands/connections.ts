import { parseArgs } from 'node:util';
import { isConnectionProvider } from '../../shared/connections/account-ids';
import type { Connection } from '../../shared/connections/connection-registry';
import { connectionRegistry } from '../../shared/runtime/connections';
import { shopStateStore } from '../../shared/runtime/shopify-core';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

/**
 * What a provider records beside the connection, so the routes find an account connected by hand the way
 * they find one connected by its install (a Shopify store in its workspace's store index: the data routes
 * then answer 409 "connected without an OAuth install" rather than 404 "no store").
 */
const afterConnect: Partial<Record<Connection['provider'], (connection: Connection) => Promise<void>>> = {
  shopify: (c) => shopStateStore().linkWorkspace(c.workspace_id, c.account_id),
};

const addOptions = { workspace: { type: 'string' } } as const;
const listOptions = { workspace: { type: 'string' }, json: { type: 'boolean', default: false } } as const;

export const connectionsAdd: Command = {
  path: ['connections', 'add'],
  usage: 'ionflux connections add <shopify|tiktok|whatsapp> <account-id> --workspace <id>',
  summary: 'record that a workspace owns an external account (e.g. a Shopify shop domain)',
  options: addOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: addOptions, allowPositionals: true });
    const [provider, accountId, ...rest] = positionals;
    if (!provider || !accountId || rest.length || !values.workspace) throw new UsageError(this.usage);
    if (!isConnectionProvider(provider)) throw new UsageError(`unknown provider "${provider}" (shopify, tiktok, whatsapp)`);
    await ensureResources();
    const connection = await connectionRegistry().connect(provider, accountId, values.workspace);
    await afterConnect[connection.provider]?.(connection);
    io.out(`connected ${connection.provider} ${connection.account_id} → workspace ${connection.workspace_id}`);
  },
};

export const connectionsList: Command = {
  path: ['connections', 'list'],
  usage: 'ionflux connections list [--workspace <id>] [--json]',
  summary: 'list connections: provider, account, workspace, status (--json: one JSON object a line)',
  options: listOptions,
  async run(args, io) {
    const { values } = parseArgs({ args, options: listOptions });
    await ensureResources();
    const list = await connectionRegistry().list(values.workspace ? { workspaceId: values.workspace } : {});
    if (values.json) for (const c of list) io.out(JSON.stringify(c));
    else if (!list.length) io.out(`none${values.workspace ? ` for workspace ${values.workspace}` : ''}`);
    else for (const c of list) io.out(`${c.provider.padEnd(9)} ${c.account_id.padEnd(40)} ${c.workspace_id.padEnd(24)} ${c.status}`);
  },
};

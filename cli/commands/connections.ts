import { parseArgs } from 'node:util';
import { connectionProviders, isConnectionProvider, normaliseAccountId } from '../../shared/connections/account-ids';
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

const addOptions = { workspace: { type: 'string' }, waba: { type: 'string' }, mps: { type: 'string' } } as const;
const listOptions = { workspace: { type: 'string' }, json: { type: 'boolean', default: false } } as const;

export const connectionsAdd: Command = {
  path: ['connections', 'add'],
  usage: 'ionflux connections add <shopify|tiktok|whatsapp> <account-id> --workspace <id> [--waba <waba_id>] [--mps <messages per second>]',
  summary: 'record that a workspace owns an external account (a Shopify shop domain, a WhatsApp phone_number_id with --waba its business account and --mps its throughput)',
  options: addOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: addOptions, allowPositionals: true });
    const [provider, accountId, ...rest] = positionals;
    if (!provider || !accountId || rest.length || !values.workspace) throw new UsageError(this.usage);
    if (!isConnectionProvider(provider)) throw new UsageError(`unknown provider "${provider}" (${connectionProviders.join(', ')})`);
    if ((values.waba !== undefined || values.mps !== undefined) && provider !== 'whatsapp') throw new UsageError('--waba and --mps are for WhatsApp phone numbers');
    const mps = values.mps === undefined ? undefined : Number(values.mps);
    if (mps !== undefined && !(Number.isInteger(mps) && mps >= 1 && mps <= 1000)) throw new UsageError('--mps must be a whole number of messages per second, 1–1000 (Meta: 80 by default, 1000 after an upgrade)');
    await ensureResources();
    const registry = connectionRegistry();
    // A WhatsApp number's WABA is connected with it: template status webhooks and the template API address the WABA.
    if (values.waba !== undefined) {
      const waba = await registry.connect('whatsapp_waba', values.waba, values.workspace);
      io.out(`connected ${waba.provider} ${waba.account_id} → workspace ${waba.workspace_id}`);
    }
    const details = { ...(values.waba !== undefined ? { waba_id: normaliseAccountId('whatsapp_waba', values.waba) } : {}), ...(mps !== undefined ? { throughput_mps: mps } : {}) };
    const connection = await registry.connect(provider, accountId, values.workspace, details);
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
    else for (const c of list) io.out(`${c.provider.padEnd(13)} ${c.account_id.padEnd(40)} ${c.workspace_id.padEnd(24)} ${c.status}`);
  },
};

import { parseArgs } from 'node:util';
import { isConnectionProvider } from '../../shared/connections/account-ids';
import { connectionRegistry } from '../../shared/runtime/connections';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

export const connectionsAdd: Command = {
  path: ['connections', 'add'],
  usage: 'ionflux connections add <shopify|tiktok|whatsapp> <account-id> --workspace <id>',
  summary: 'record that a workspace owns an external account (e.g. a Shopify shop domain)',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { workspace: { type: 'string' } }, allowPositionals: true });
    const [provider, accountId, ...rest] = positionals;
    if (!provider || !accountId || rest.length || !values.workspace) throw new UsageError(this.usage);
    if (!isConnectionProvider(provider)) throw new UsageError(`unknown provider "${provider}" (shopify, tiktok, whatsapp)`);
    await ensureResources();
    const connection = await connectionRegistry().connect(provider, accountId, values.workspace);
    io.out(`connected ${connection.provider} ${connection.account_id} → workspace ${connection.workspace_id}`);
  },
};

export const connectionsList: Command = {
  path: ['connections', 'list'],
  usage: 'ionflux connections list [--workspace <id>] [--json]',
  summary: 'list connections: provider, account, workspace, status',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { workspace: { type: 'string' }, json: { type: 'boolean', default: false } } });
    await ensureResources();
    const list = await connectionRegistry().list(values.workspace ? { workspaceId: values.workspace } : {});
    if (values.json) for (const c of list) io.out(JSON.stringify(c));
    else for (const c of list) io.out(`${c.provider.padEnd(9)} ${c.account_id.padEnd(40)} ${c.workspace_id.padEnd(24)} ${c.status}`);
  },
};

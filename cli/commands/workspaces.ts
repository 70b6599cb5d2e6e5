import { parseArgs } from 'node:util';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

const setOptions = { 'secrets-config': { type: 'string' } } as const;

export const workspacesSet: Command = {
  path: ['workspaces', 'set'],
  usage: "ionflux workspaces set <workspace_id> --secrets-config '<json>'",
  summary: 'set a workspace’s generic_secrets_config_json (labels → secret names under its own prefix)',
  options: setOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: setOptions, allowPositionals: true });
    const [workspaceId, ...rest] = positionals;
    if (!workspaceId || rest.length || values['secrets-config'] === undefined) throw new UsageError(this.usage);
    let mapping: unknown;
    try {
      mapping = JSON.parse(values['secrets-config']);
    } catch {
      throw new UsageError('--secrets-config must be a JSON object, e.g. \'{"openai":"ionflux/workspaces/<id>/openai"}\'');
    }
    await ensureResources();
    const record = await workspaceDirectory().putSettings(workspaceId, { generic_secrets_config_json: mapping });
    io.out(JSON.stringify(record));
  },
};

export const workspacesGet: Command = {
  path: ['workspaces', 'get'],
  usage: 'ionflux workspaces get <workspace_id>',
  summary: 'print a workspace’s settings',
  async run(args, io) {
    const [workspaceId, ...rest] = args;
    if (!workspaceId || rest.length) throw new UsageError(this.usage);
    await ensureResources();
    const record = await workspaceDirectory().get(workspaceId);
    if (!record) {
      io.err(`workspace ${workspaceId} has no settings`);
      return 1;
    }
    io.out(JSON.stringify(record));
  },
};

/** `ionflux credentials set|list|delete|services`: a workspace's niche-service credentials (never printing values). */
import { parseArgs } from 'node:util';
import { serviceCatalog } from '../../shared/credentials/catalog';
import { workspaceCredentials } from '../../shared/runtime/credentials';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

export const credentialsSet: Command = {
  path: ['credentials', 'set'],
  usage: "ionflux credentials set <workspace_id> <label> [--service <service|custom>] '<json>'",
  summary: 'store a workspace’s credential for a niche service (shape checked against the catalog); the value is never printed',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { service: { type: 'string' } }, allowPositionals: true });
    const [workspaceId, label, value, ...rest] = positionals;
    if (!workspaceId || !label || value === undefined || rest.length) throw new UsageError(this.usage);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new UsageError('the value must be a JSON object of credential fields, e.g. \'{"token":"ntn_…"}\'');
    }
    await ensureResources();
    const info = await workspaceCredentials().set(workspaceId, label, { ...(values.service ? { service: values.service } : {}), value: parsed });
    io.out(`stored ${label} (${info.service}; fields ${info.fields.join(', ')}) as ${info.secret_name}`);
  },
};

export const credentialsList: Command = {
  path: ['credentials', 'list'],
  usage: 'ionflux credentials list <workspace_id> [--json]',
  summary: 'a workspace’s credential labels, services and when each was set (never values)',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
    const [workspaceId, ...rest] = positionals;
    if (!workspaceId || rest.length) throw new UsageError(this.usage);
    await ensureResources();
    for (const c of await workspaceCredentials().list(workspaceId)) {
      io.out(values.json ? JSON.stringify(c) : `${c.label}  ${c.service ?? '(mapped in settings)'}  ${c.set_at ?? '-'}  ${c.fields.join(',') || '-'}  ${c.secret_name}`);
    }
  },
};

export const credentialsDelete: Command = {
  path: ['credentials', 'delete'],
  usage: 'ionflux credentials delete <workspace_id> <label>',
  summary: 'delete a workspace credential: its secret, its label mapping and its record',
  async run(args, io) {
    const [workspaceId, label, ...rest] = args;
    if (!workspaceId || !label || rest.length) throw new UsageError(this.usage);
    await ensureResources();
    await workspaceCredentials().remove(workspaceId, label);
    io.out(`deleted ${label} of ${workspaceId}`);
  },
};

export const credentialsServices: Command = {
  path: ['credentials', 'services'],
  usage: 'ionflux credentials services',
  summary: 'the niche service catalog: each service’s credential fields, docs and whether it is an official API',
  async run(_args, io) {
    for (const s of serviceCatalog().list()) {
      const fields = Object.entries(s.fields).map(([name, f]) => `${name}${f.required ? '' : '?'}`);
      io.out(`${s.id}  ${s.official ? 'official' : 'UNOFFICIAL'}  {${fields.join(', ')}}  ${s.docs_url}`);
    }
  },
};

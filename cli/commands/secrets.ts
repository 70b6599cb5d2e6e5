import { parseArgs } from 'node:util';
import { config } from '../../shared/config/env';
import { SECRET_NAME } from '../../shared/secrets/names';
import { secretStore } from '../../shared/runtime/secrets';
import { type Command, UsageError } from '../command';

export const secretsSet: Command = {
  path: ['secrets', 'set'],
  usage: 'ionflux secrets set <name> <value>',
  summary: 'store a secret (value: JSON object or plain string); the value is never printed',
  async run(args, io) {
    const [name, value, ...rest] = args;
    if (!name || value === undefined || rest.length) throw new UsageError(this.usage);
    if (!SECRET_NAME.test(name)) throw new UsageError(`"${name}" is not a valid secret name (letters, digits and /_+=.@-)`);
    if (value.trim().startsWith('{')) {
      try {
        JSON.parse(value);
      } catch {
        throw new UsageError('the value starts with "{" but is not valid JSON; quote it as a JSON object');
      }
    }
    await secretStore().put(name, value);
    io.out(`stored ${name} (${config().aws.enabled ? 'Secrets Manager' : 'local secrets file'})`);
  },
};

export const secretsList: Command = {
  path: ['secrets', 'list'],
  usage: 'ionflux secrets list [--prefix <prefix>]',
  summary: 'list secret names (never values)',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { prefix: { type: 'string' } }, allowPositionals: false });
    for (const name of await secretStore().list(values.prefix)) io.out(name);
  },
};

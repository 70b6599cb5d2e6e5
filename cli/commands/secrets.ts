import { parseArgs } from 'node:util';
import { config } from '../../shared/config/env';
import { platformProviderOf, secretFieldReport, storeSecretHint } from '../../shared/secrets/hints';
import { SECRET_NAME } from '../../shared/secrets/names';
import { parseSecretValue } from '../../shared/secrets/secret-resolver';
import { localSecretChanges, secretStore } from '../../shared/runtime/secrets';
import { type Command, UsageError } from '../command';

const where = () => (config().aws.enabled ? 'Secrets Manager' : 'local secrets file');

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) throw new UsageError(`"${name}" is not a valid secret name (letters, digits and /_+=.@-)`);
}

function jsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not valid JSON; quote it as a JSON object, e.g. '{"api_key":"…"}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${what} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/** RFC 7396 JSON merge patch: fields replace, objects merge, null removes. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (typeof value === 'object' && !Array.isArray(value) && typeof out[key] === 'object' && out[key] !== null && !Array.isArray(out[key])) {
      out[key] = mergePatch(out[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else out[key] = value;
  }
  return out;
}

const fieldList = (values: Record<string, unknown>) => Object.keys(values).sort().join(', ') || 'none';

/** After a write: a platform secret still lacking a field its provider needs is worth a warning. */
function warnIncomplete(name: string, values: Record<string, unknown>, io: { err(line: string): void }): void {
  const provider = platformProviderOf(config().secretRoot, name);
  const { missing } = secretFieldReport(provider, values);
  if (missing.length) io.err(`note: ${name} still lacks ${missing.join(', ')}; add with: ${storeSecretHint(name, provider, values)}`);
}

const setOptions = { merge: { type: 'string' } } as const;
const getOptions = { fields: { type: 'boolean', default: false } } as const;
const listOptions = { prefix: { type: 'string' } } as const;

export const secretsSet: Command = {
  path: ['secrets', 'set'],
  usage: "ionflux secrets set <name> (<value> | --merge '<json>')",
  summary: 'store a secret (a JSON object or a plain string), or merge fields into it (--merge; null removes a field); values are never printed',
  options: setOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: setOptions, allowPositionals: true });
    const [name, value, ...rest] = positionals;
    if (!name || rest.length || (value === undefined) === (values.merge === undefined)) throw new UsageError(this.usage);
    checkName(name);
    const store = secretStore();
    if (values.merge !== undefined) {
      const patch = jsonObject(values.merge, '--merge');
      const raw = await store.get(name);
      if (raw !== undefined && !raw.trim().startsWith('{')) throw new UsageError(`${name} holds a plain string, not JSON fields: store it whole with ionflux secrets set ${name} '<json>'`);
      const merged = mergePatch(raw === undefined ? {} : parseSecretValue(name, raw), patch);
      await store.put(name, JSON.stringify(merged));
      localSecretChanges()?.touch();
      io.out(`${raw === undefined ? 'stored' : 'updated'} ${name} (${where()}); fields: ${fieldList(merged)}`);
      warnIncomplete(name, merged, io);
      return;
    }
    const whole = value!.trim().startsWith('{') ? jsonObject(value!, 'the value') : undefined;
    await store.put(name, value!);
    localSecretChanges()?.touch();
    io.out(`stored ${name} (${where()})`);
    if (whole) warnIncomplete(name, whole, io);
  },
};

export const secretsGet: Command = {
  path: ['secrets', 'get'],
  usage: 'ionflux secrets get <name> --fields',
  summary: 'which fields a secret holds (and which its provider needs but lacks); never values',
  options: getOptions,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: getOptions, allowPositionals: true });
    const [name, ...rest] = positionals;
    if (!name || rest.length || !values.fields) throw new UsageError(`${this.usage}\n(only field names are shown: secret values are never printed)`);
    checkName(name);
    const raw = await secretStore().get(name);
    if (raw === undefined) {
      io.err(`${name} does not exist (${where()})`);
      return 1;
    }
    if (!raw.trim().startsWith('{')) {
      io.out(`${name}: a plain string (used as api_key)`);
      return 0;
    }
    const report = secretFieldReport(platformProviderOf(config().secretRoot, name), parseSecretValue(name, raw));
    io.out(`${name}`);
    io.out(`  set:     ${report.set.join(', ') || 'none'}`);
    if (report.missing.length) io.out(`  missing: ${report.missing.join(', ')} (required)`);
  },
};

export const secretsList: Command = {
  path: ['secrets', 'list'],
  usage: 'ionflux secrets list [--prefix <prefix>]',
  summary: 'list secret names (never values)',
  options: listOptions,
  async run(args, io) {
    const { values } = parseArgs({ args, options: listOptions, allowPositionals: false });
    const names = await secretStore().list(values.prefix);
    if (!names.length) io.out(`none${values.prefix ? ` under ${values.prefix}` : ''}`);
    for (const name of names) io.out(name);
  },
};

/**
 * The command that fixes a missing or incomplete secret, with the complete value to store: every field the
 * provider's secret needs (names.ts `requiredSecretFields`) plus the one the caller asked for. A secret
 * that exists is completed in place (`--merge` keeps the fields it has), so a hint never makes an
 * operator replace a secret and lose what was already in it. Only names appear, never values.
 */
import { requiredSecretFields } from './names';

const template = (fields: readonly string[]) => `'${JSON.stringify(Object.fromEntries(fields.map((f) => [f, '…'])))}'`;

/**
 * @param present the secret's current fields, or undefined when it does not exist
 * @param needed  fields the caller needs beyond the provider's required ones
 */
export function storeSecretHint(name: string, provider: string | undefined, present: Readonly<Record<string, unknown>> | undefined, needed: readonly string[] = []): string {
  const wanted = [...new Set([...(provider ? (requiredSecretFields[provider] ?? []) : []), ...needed])];
  if (present === undefined) {
    return wanted.length ? `npx ionflux secrets set ${name} ${template(wanted)}` : `npx ionflux secrets set ${name} '<json>'`;
  }
  const missing = wanted.filter((field) => typeof present[field] !== 'string' || present[field] === '');
  return `npx ionflux secrets set ${name} --merge ${template(missing.length ? missing : needed)}`;
}

/** The fields of a secret that are set (non-empty), and those its provider needs that are not. */
export function secretFieldReport(provider: string | undefined, present: Readonly<Record<string, unknown>>): { set: string[]; missing: string[] } {
  const isSet = (field: string) => present[field] !== undefined && present[field] !== null && present[field] !== '';
  return {
    set: Object.keys(present).filter(isSet).sort(),
    missing: (provider ? (requiredSecretFields[provider] ?? []) : []).filter((field) => !isSet(field)),
  };
}

/** The provider a secret name belongs to when it is a platform secret (`<root>/platform/<provider>`). */
export function platformProviderOf(root: string, name: string): string | undefined {
  const prefix = `${root}/platform/`;
  return name.startsWith(prefix) && !name.slice(prefix.length).includes('/') ? name.slice(prefix.length) : undefined;
}

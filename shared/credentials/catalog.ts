/**
 * The niche service catalog (seed §9): which services agents call themselves, the shape of the credential
 * each needs, its documentation and whether it is an official API. The data is service-catalog.json; this
 * file reads it and checks a credential value against a service's shape. Messages name fields, never values.
 */
import * as z from 'zod/mini';
import '../zod-messages';
import { SECRET_LABEL } from '../secrets/names';
import catalogData from './service-catalog.json';

const FieldSchema = z.strictObject({
  required: z.boolean(),
  description: z.string().check(z.minLength(1)),
  pattern: z.optional(z.string().check(z.minLength(1))),
  format: z.optional(z.enum(['url', 'email'])),
  example: z.string(),
});

const ServiceSchema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  official: z.boolean(),
  docs_url: z.url({ protocol: /^https$/ }),
  fields: z.record(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'field names are lower-case snake_case')), FieldSchema),
});

export const ServiceCatalogSchema = z.strictObject({
  version: z.string(),
  notes: z.optional(z.string()),
  services: z.record(z.string().check(z.regex(SECRET_LABEL, 'service ids are valid credential labels')), ServiceSchema),
});

export type ServiceField = z.infer<typeof FieldSchema>;
export type NicheService = z.infer<typeof ServiceSchema> & { id: string };

/** A label stored with `"service": "custom"`: any JSON object of strings, numbers and booleans. */
export const CUSTOM_SERVICE = 'custom';

const MAX_CUSTOM_FIELDS = 50;

export class ServiceCatalog {
  private readonly services: Map<string, NicheService>;
  readonly version: string;

  constructor(data: unknown = catalogData) {
    const parsed = ServiceCatalogSchema.parse(data);
    this.version = parsed.version;
    this.services = new Map(Object.entries(parsed.services).map(([id, s]) => [id, { ...s, id }]));
    if (this.services.has(CUSTOM_SERVICE)) throw new Error(`"${CUSTOM_SERVICE}" is reserved for credentials outside the catalog`);
    for (const service of this.services.values()) for (const field of Object.values(service.fields)) if (field.pattern) new RegExp(field.pattern);
  }

  get(id: string): NicheService | undefined {
    return this.services.get(id);
  }

  list(): NicheService[] {
    return [...this.services.values()];
  }

  /** What a value for `service` looks like: field → "required|optional: description (e.g. …)". */
  shape(serviceId: string): Record<string, string> {
    const service = this.services.get(serviceId);
    if (!service) return { '<field>': 'any string fields your agent needs (service "custom")' };
    return Object.fromEntries(Object.entries(service.fields).map(([name, f]) => [name, `${f.required ? 'required' : 'optional'}: ${f.description} (e.g. ${f.example})`]));
  }

  /** An example value with every required field (placeholders), for error messages and docs. */
  example(serviceId: string): Record<string, string> {
    const service = this.services.get(serviceId);
    if (!service) return { api_key: '…' };
    return Object.fromEntries(Object.entries(service.fields).filter(([, f]) => f.required).map(([name, f]) => [name, f.example]));
  }

  /** Problems of `value` as a credential of `serviceId` (empty when it fits). */
  check(serviceId: string, value: unknown): string[] {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['value must be a JSON object of credential fields'];
    const fields = Object.entries(value as Record<string, unknown>);
    if (serviceId === CUSTOM_SERVICE) {
      const problems: string[] = [];
      if (!fields.length) problems.push('value has no fields');
      if (fields.length > MAX_CUSTOM_FIELDS) problems.push(`value has more than ${MAX_CUSTOM_FIELDS} fields`);
      for (const [name, v] of fields) if (!['string', 'number', 'boolean'].includes(typeof v)) problems.push(`${name} must be a string, number or boolean`);
      return problems;
    }
    const service = this.services.get(serviceId);
    if (!service) return [`unknown service "${serviceId}": use one of ${[...this.services.keys()].join(', ')}, or "custom"`];
    const problems: string[] = [];
    for (const [name, v] of fields) {
      const spec = service.fields[name];
      if (!spec) {
        problems.push(`${name} is not a field of ${serviceId} (fields: ${Object.keys(service.fields).join(', ')})`);
        continue;
      }
      if (typeof v !== 'string' || v.trim() === '') {
        problems.push(`${name} must be a non-empty string`);
        continue;
      }
      if (spec.pattern && !new RegExp(spec.pattern).test(v)) problems.push(`${name} does not look like ${spec.description.toLowerCase()} (expected the form ${spec.example})`);
      if (spec.format === 'url' && !isHttpUrl(v)) problems.push(`${name} must be an http(s) URL such as ${spec.example}`);
      if (spec.format === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) problems.push(`${name} must be an email address`);
    }
    for (const [name, spec] of Object.entries(service.fields)) if (spec.required && !(name in (value as object))) problems.push(`${name} is required (${spec.description})`);
    if (!fields.length) problems.push('value has no fields');
    return problems;
  }
}

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

let shared: ServiceCatalog | undefined;
/** The catalog shipped with the code. */
export const serviceCatalog = (): ServiceCatalog => (shared ??= new ServiceCatalog());

/**
 * Credentials a workspace provides for niche services (`PUT/GET/DELETE
 * /v1/workspaces/{workspace_id}/credentials/{label}`, `ionflux credentials set|list|delete`): the value is
 * checked against the catalog's shape (or any object with `"service": "custom"`), stored under the
 * workspace's own prefix `<root>/workspaces/<id>/credentials/<label>` (or the secret the label already maps
 * to there), and the label is mapped in generic_secrets_config_json. Listings give labels, services, field
 * names and when each was set — never values. A record per label (`workspace-credentials` table) keeps that.
 */
import * as z from 'zod/mini';
import '../zod-messages';
import { validate } from '../http/json-body';
import { moduleLogger } from '../observability/logger';
import { isUnderWorkspacePrefix, SECRET_LABEL, workspaceSecretPrefix } from '../secrets/names';
import type { SecretResolver } from '../secrets/secret-resolver';
import type { SecretStore } from '../secrets/secret-store';
import type { Table } from '../storage/table';
import type { WorkspaceDirectory } from '../workspaces/workspace-directory';
import { assertWorkspaceId } from '../workspaces/workspace-id';
import { CUSTOM_SERVICE, type ServiceCatalog } from './catalog';
import { CredentialNotFoundError, InvalidCredentialError } from './errors';

const log = moduleLogger('credentials');

/** Secrets Manager holds at most 64 KB per value; credentials are far smaller. */
export const MAX_CREDENTIAL_BYTES = 16 * 1024;

export const CredentialBodySchema = z.strictObject({
  /** A catalog service id, or "custom"; default: the label itself when it is a catalog service. */
  service: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  value: z.record(z.string(), z.unknown()),
});

export interface CredentialInfo {
  label: string;
  /** Catalog service id, "custom", or null for a label mapped through the settings only. */
  service: string | null;
  official: boolean | null;
  secret_name: string;
  /** Field names of the stored value (never the values). */
  fields: string[];
  /** When it was last set through this API (null: mapped through the settings). */
  set_at: string | null;
}

export const credentialSecretName = (root: string, workspaceId: string, label: string): string => `${workspaceSecretPrefix(root, workspaceId)}credentials/${label}`;

export function assertLabel(label: unknown): string {
  if (typeof label !== 'string' || !SECRET_LABEL.test(label)) {
    throw new InvalidCredentialError(String(label), [`labels are 1–64 lower-case letters, digits, "_", "." or "-", starting with a letter or digit`]);
  }
  return label;
}

export interface WorkspaceCredentialsDeps {
  store: SecretStore;
  resolver: Pick<SecretResolver, 'invalidate'>;
  workspaces: Pick<WorkspaceDirectory, 'get' | 'mapSecretLabel'>;
  records: Table;
  catalog: ServiceCatalog;
  secretRoot: string;
  clock?: () => number;
}

export class WorkspaceCredentials {
  constructor(private readonly deps: WorkspaceCredentialsDeps) {}

  /** How to store a label (for error messages): service, expected fields, the call. */
  storeHint(workspaceId: string, label: string, service?: string): { service: string; fields: Record<string, string>; store_with: string } {
    const id = service ?? (this.deps.catalog.get(label) ? label : CUSTOM_SERVICE);
    return {
      service: id,
      fields: this.deps.catalog.shape(id),
      store_with: `PUT /v1/workspaces/${workspaceId}/credentials/${label} ${JSON.stringify({ service: id, value: this.deps.catalog.example(id) })} (or npx ionflux credentials set ${workspaceId} ${label} --service ${id} '<json>')`,
    };
  }

  async set(workspaceId: string, label: string, body: unknown): Promise<CredentialInfo> {
    assertWorkspaceId(workspaceId);
    assertLabel(label);
    const request = validate(body, CredentialBodySchema, 'invalid_body');
    const service = request.service ?? (this.deps.catalog.get(label) ? label : undefined);
    if (!service) {
      throw new InvalidCredentialError(label, [`"${label}" is not a catalog service: name one with "service" (${this.deps.catalog.list().map((s) => s.id).join(', ')}) or use "service": "custom"`]);
    }
    const problems = this.deps.catalog.check(service, request.value);
    if (problems.length) throw new InvalidCredentialError(label, problems, this.deps.catalog.shape(service));
    const text = JSON.stringify(request.value);
    if (Buffer.byteLength(text) > MAX_CREDENTIAL_BYTES) throw new InvalidCredentialError(label, [`value is larger than ${MAX_CREDENTIAL_BYTES} bytes`]);

    // Write where the label already points inside the workspace's prefix, else at the standard name.
    const current = (await this.deps.workspaces.get(workspaceId, { fresh: true }))?.settings.generic_secrets_config_json[label];
    const { secretRoot } = this.deps;
    const name = current && isUnderWorkspacePrefix(secretRoot, workspaceId, current) ? current : credentialSecretName(secretRoot, workspaceId, label);
    await this.deps.store.put(name, text);
    this.deps.resolver.invalidate(name);
    await this.deps.workspaces.mapSecretLabel(workspaceId, label, name);
    const info: CredentialInfo = {
      label,
      service,
      official: this.deps.catalog.get(service)?.official ?? null,
      secret_name: name,
      fields: Object.keys(request.value).sort(),
      set_at: new Date((this.deps.clock ?? Date.now)()).toISOString(),
    };
    await this.deps.records.put({ pk: workspaceId, sk: label, ...info });
    log.info('workspace credential stored', { workspace_id: workspaceId, label, service, secret: name, fields: info.fields });
    return info;
  }

  /** Every label the workspace maps, with what is known of it; never values. */
  async list(workspaceId: string): Promise<CredentialInfo[]> {
    assertWorkspaceId(workspaceId);
    const [record, items] = await Promise.all([this.deps.workspaces.get(workspaceId, { fresh: true }), this.deps.records.query(workspaceId)]);
    const mapping = record?.settings.generic_secrets_config_json ?? {};
    const known = new Map(items.map((item) => [item.sk as string, item]));
    return Object.entries(mapping)
      .map(([label, secretName]): CredentialInfo => {
        const item = known.get(label);
        return item && item.secret_name === secretName
          ? { label, service: item.service as string, official: (item.official as boolean | null) ?? null, secret_name: secretName, fields: item.fields as string[], set_at: item.set_at as string }
          : { label, service: null, official: null, secret_name: secretName, fields: [], set_at: null };
      })
      .sort((a, b) => a.label.localeCompare(b.label));
  }

  async describe(workspaceId: string, label: string): Promise<CredentialInfo> {
    assertLabel(label);
    const info = (await this.list(workspaceId)).find((c) => c.label === label);
    if (!info) throw new CredentialNotFoundError(workspaceId, label);
    return info;
  }

  /** Deletes the secret the label maps to (inside the workspace's prefix), the mapping and the record. */
  async remove(workspaceId: string, label: string): Promise<void> {
    assertWorkspaceId(workspaceId);
    assertLabel(label);
    const mapped = (await this.deps.workspaces.get(workspaceId, { fresh: true }))?.settings.generic_secrets_config_json[label];
    const record = await this.deps.records.get({ pk: workspaceId, sk: label });
    if (mapped === undefined && !record) throw new CredentialNotFoundError(workspaceId, label);
    const name = mapped ?? (record?.secret_name as string | undefined);
    if (name && isUnderWorkspacePrefix(this.deps.secretRoot, workspaceId, name)) {
      await this.deps.store.delete(name);
      this.deps.resolver.invalidate(name);
    }
    await this.deps.workspaces.mapSecretLabel(workspaceId, label, undefined);
    await this.deps.records.delete({ pk: workspaceId, sk: label });
    log.info('workspace credential deleted', { workspace_id: workspaceId, label, secret: name });
  }
}

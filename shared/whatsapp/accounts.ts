/**
 * Who may use which number, and with which credential. A phone number (`whatsapp:<phone_number_id>`) and
 * a WABA (`whatsapp_waba:<waba_id>`) belong to a workspace through the connections registry. The token
 * for a call on a workspace's behalf is, in order: the business token onboarding obtained for the WABA
 * (`details.token_secret_ref`), the workspace's own (`generic_secrets_config_json.whatsapp` →
 * `{"access_token"}`), the platform's system-user token (`<root>/platform/whatsapp` `access_token`).
 * Where Meta is (`base_url`) and which version (`api_version`) always come from the platform secret.
 */
import type { Connection, ConnectionRegistry } from '../connections/connection-registry';
import type { SecretResolver } from '../secrets/secret-resolver';
import { NotConnectedError, WhatsAppConfigurationError } from './errors';
import { GRAPH_API_VERSION, GRAPH_DEFAULT_API_VERSION, GRAPH_DEFAULT_BASE_URL, type GraphSettings } from './graph-api/api';
import { DEFAULT_THROUGHPUT_MPS } from './throughput-pacer';

export interface PhoneNumberAccount {
  phoneNumberId: string;
  workspaceId: string;
  wabaId?: string;
  throughputMps: number;
  tokenSecretRef?: string;
  connection: Connection;
}

export interface GraphAccess {
  settings: GraphSettings;
  token: string;
  /** The secret the token came from (named in errors, dropped from the cache when Meta rejects it). */
  tokenSecret: string;
}

export class WhatsAppAccounts {
  constructor(
    private readonly deps: {
      connections: Pick<ConnectionRegistry, 'get'>;
      secrets: Pick<SecretResolver, 'platform' | 'resolve' | 'read' | 'invalidate'>;
    },
  ) {}

  /** The workspace's active phone number, or 403 phone_number_not_connected. */
  async phoneNumber(workspaceId: string, phoneNumberId: string): Promise<PhoneNumberAccount> {
    const connection = await this.deps.connections.get('whatsapp', phoneNumberId);
    if (!connection || connection.workspace_id !== workspaceId) throw new NotConnectedError('phone_number', phoneNumberId, workspaceId);
    if (connection.status !== 'active') throw new NotConnectedError('phone_number', phoneNumberId, workspaceId, `is ${connection.status} in`);
    const d = connection.details;
    const mps = typeof d.throughput_mps === 'number' && d.throughput_mps > 0 ? d.throughput_mps : DEFAULT_THROUGHPUT_MPS;
    return {
      phoneNumberId: connection.account_id,
      workspaceId,
      throughputMps: mps,
      connection,
      ...(typeof d.waba_id === 'string' ? { wabaId: d.waba_id } : {}),
      ...(typeof d.token_secret_ref === 'string' ? { tokenSecretRef: d.token_secret_ref } : {}),
    };
  }

  /** The workspace's WABA (its token reference, if onboarding stored one), or 403 waba_not_connected. */
  async waba(workspaceId: string, wabaId: string): Promise<{ wabaId: string; tokenSecretRef?: string }> {
    const connection = await this.deps.connections.get('whatsapp_waba', wabaId);
    if (!connection || connection.workspace_id !== workspaceId) throw new NotConnectedError('waba', wabaId, workspaceId);
    if (connection.status !== 'active') throw new NotConnectedError('waba', wabaId, workspaceId, `is ${connection.status} in`);
    const ref = connection.details.token_secret_ref;
    return { wabaId: connection.account_id, ...(typeof ref === 'string' ? { tokenSecretRef: ref } : {}) };
  }

  /** Where Meta is and which API version: the platform secret's `base_url` and `api_version`, else the defaults. */
  async settings(): Promise<GraphSettings> {
    const platform = await this.deps.secrets.platform('whatsapp');
    const apiVersion = platform.get('api_version') ?? GRAPH_DEFAULT_API_VERSION;
    if (!GRAPH_API_VERSION.test(apiVersion)) {
      throw new WhatsAppConfigurationError(`api_version "${apiVersion}" in ${platform.secretName} is not a Graph API version such as ${GRAPH_DEFAULT_API_VERSION}`, { secret: platform.secretName });
    }
    const baseUrl = platform.get('base_url') ?? GRAPH_DEFAULT_BASE_URL;
    if (!URL.canParse(baseUrl)) throw new WhatsAppConfigurationError(`base_url in ${platform.secretName} is not a URL`, { secret: platform.secretName });
    return { baseUrl, apiVersion };
  }

  /** The settings and the token for a call on `workspaceId`'s behalf (see the order above). */
  async access(workspaceId: string, tokenSecretRef?: string): Promise<GraphAccess> {
    const settings = await this.settings();
    if (tokenSecretRef) {
      const stored = await this.deps.secrets.read(tokenSecretRef);
      const token = typeof stored?.access_token === 'string' ? stored.access_token : undefined;
      if (!token) {
        throw new WhatsAppConfigurationError(`the business token secret ${tokenSecretRef} is missing or has no access_token; onboard the number again`, { secret: tokenSecretRef });
      }
      return { settings, token, tokenSecret: tokenSecretRef };
    }
    const credential = await this.deps.secrets.resolve({ provider: 'whatsapp', workspaceId });
    const token = credential.source === 'workspace' ? credential.require('access_token') : credential.get('access_token');
    if (!token) {
      throw new WhatsAppConfigurationError(
        `no WhatsApp access token: set access_token in ${credential.secretName} (the platform's system-user token), map "whatsapp" in the workspace's generic_secrets_config_json to a secret holding {"access_token"}, or onboard the number`,
        { secret: credential.secretName },
      );
    }
    return { settings, token, tokenSecret: credential.secretName };
  }

  /** Meta rejected the token from `secretName`: read it afresh next time (it may have been rotated). */
  tokenRejected(secretName: string): void {
    this.deps.secrets.invalidate(secretName);
  }
}

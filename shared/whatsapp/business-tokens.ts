/**
 * The business token Embedded Signup gives us for a customer's WABA (a business integration system user
 * token), kept with the tokens the platform obtains: `<root>/connections/whatsapp/<workspace_id>/<waba_id>`
 * — apart from the keys a workspace provides, readable only by the WhatsApp functions. The phone numbers'
 * two-step verification PINs we set at registration live there too. Connections keep only the name.
 */
import { connectionSecretName } from '../secrets/names';
import type { SecretStore } from '../secrets/secret-store';

export const businessTokenSecretName = (secretRoot: string, workspaceId: string, wabaId: string): string =>
  connectionSecretName(secretRoot, 'whatsapp', workspaceId, wabaId);

export interface BusinessTokens {
  access_token: string;
  waba_id: string;
  workspace_id: string;
  /** phone_number_id → the two-step verification PIN it was registered with. */
  two_step_pins: Record<string, string>;
  obtained_at: string;
}

export class BusinessTokenStore {
  constructor(private readonly store: Pick<SecretStore, 'get' | 'put'>) {}

  async read(secretName: string): Promise<BusinessTokens | undefined> {
    const raw = await this.store.get(secretName);
    if (!raw || raw.trim() === '{}') return undefined;
    return JSON.parse(raw) as BusinessTokens;
  }

  async write(secretName: string, tokens: BusinessTokens): Promise<void> {
    await this.store.put(secretName, JSON.stringify(tokens));
  }
}

/**
 * Secrets Manager naming, by who obtains the secret:
 * - `<root>/platform/<provider>`: the platform's own keys (operators fill them);
 * - `<root>/workspaces/<workspace_id>/…`: keys a workspace provides, mapped by `generic_secrets_config_json`
 *   (the SecretResolver follows a mapping only inside the workspace's own prefix);
 * - `<root>/connections/<provider>/<workspace_id>/<account>`: tokens the platform obtains by OAuth or
 *   onboarding (a Shopify shop's, a TikTok account's, a WhatsApp business's). Readable only by that
 *   provider's functions (`connection-tokens:<provider>`); no workspace mapping can point here, since it
 *   lies outside every workspace prefix.
 */
import type { ConnectionProvider } from '../connections/account-ids';
import { assertWorkspaceId } from '../workspaces/workspace-id';

/** Providers with a platform secret; the CDK app creates one (empty) secret for each. */
export const platformProviders = [
  'openai',
  'anthropic',
  'deepseek',
  'sentence-transformers',
  'shopify',
  'tiktok',
  'whatsapp',
  'sendgrid',
  'pinecone',
  'elevenlabs',
  'azure-speech',
  'coqui',
  /** Where agent invocations go: `{"base_url", "signing_secret"?, "aws_iam"?}` (docs/agents.md). */
  'agent-service',
  'email',
] as const;
export type PlatformProvider = (typeof platformProviders)[number];

/**
 * The fields a provider's secret must hold, platform or workspace (optional ones, such as `base_url`, are
 * not listed). Hints that tell an operator to store a secret show every one of them, so following a hint
 * never leaves a secret half-filled. A provider not listed gets hints naming the field that was missing.
 */
export const requiredSecretFields: Readonly<Record<string, readonly string[]>> = {
  openai: ['api_key'],
  anthropic: ['api_key'],
  deepseek: ['api_key'],
  'sentence-transformers': ['base_url'],
  shopify: ['client_id', 'client_secret'],
  tiktok: ['client_key', 'client_secret'],
  'azure-speech': ['api_key', 'region'],
  elevenlabs: ['api_key'],
  coqui: ['base_url'],
  // signing_secret or aws_iam as well: one of the two (agents/agent-service.ts says which is missing).
  'agent-service': ['base_url'],
  pinecone: ['api_key'],
};

/**
 * Platform secrets holding a key the platform makes itself rather than one a provider issues: the CDK
 * app generates this field when it creates the secret (the email unsubscribe links' signing key).
 */
export const generatedSecretFields: Partial<Record<PlatformProvider, string>> = { email: 'unsubscribe_signing_key' };

/** Secret names: what Secrets Manager accepts. */
export const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
export const SECRET_LABEL = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export const platformSecretName = (root: string, provider: string): string => `${root}/platform/${provider}`;

export const workspaceSecretPrefix = (root: string, workspaceId: string): string =>
  `${root}/workspaces/${assertWorkspaceId(workspaceId)}/`;

/** Where every token of one provider's connections lives: `<root>/connections/<provider>/`. */
export const connectionSecretPrefix = (root: string, provider: ConnectionProvider): string => `${root}/connections/${provider}/`;

/** The secret holding the tokens the platform obtained for one connected account of a workspace. */
export function connectionSecretName(root: string, provider: ConnectionProvider, workspaceId: string, account: string): string {
  const name = `${connectionSecretPrefix(root, provider)}${assertWorkspaceId(workspaceId)}/${account}`;
  if (!SECRET_NAME.test(name) || account.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`"${account}" cannot be part of a secret name`);
  }
  return name;
}

/** True when `name` lies strictly under the workspace's own prefix (no `..` games, no other workspace). */
export function isUnderWorkspacePrefix(root: string, workspaceId: string, name: string): boolean {
  const prefix = workspaceSecretPrefix(root, workspaceId);
  if (!name.startsWith(prefix) || name.length === prefix.length) return false;
  if (!SECRET_NAME.test(name)) return false;
  return !name.slice(prefix.length).split('/').some((part) => part === '' || part === '.' || part === '..');
}

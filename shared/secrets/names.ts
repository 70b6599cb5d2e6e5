/** Secrets Manager naming: `<root>/platform/<provider>` and `<root>/workspaces/<workspace_id>/…`. */
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
] as const;
export type PlatformProvider = (typeof platformProviders)[number];

/** Secret names: what Secrets Manager accepts. */
export const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
export const SECRET_LABEL = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export const platformSecretName = (root: string, provider: string): string => `${root}/platform/${provider}`;

export const workspaceSecretPrefix = (root: string, workspaceId: string): string =>
  `${root}/workspaces/${assertWorkspaceId(workspaceId)}/`;

/** True when `name` lies strictly under the workspace's own prefix (no `..` games, no other workspace). */
export function isUnderWorkspacePrefix(root: string, workspaceId: string, name: string): boolean {
  const prefix = workspaceSecretPrefix(root, workspaceId);
  if (!name.startsWith(prefix) || name.length === prefix.length) return false;
  if (!SECRET_NAME.test(name)) return false;
  return !name.slice(prefix.length).split('/').some((part) => part === '' || part === '.' || part === '..');
}

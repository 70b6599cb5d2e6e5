/**
 * THE list of Lambda functions, declared by area in functions/manifest/*.ts and assembled here. The CDK
 * app (infra/) and the local runtime (local/) both read it; nobody writes a route or a function list
 * anywhere else. test/infra/manifest-readers.test.ts proves both readers cover every entry.
 */
import { agentFunctions } from './manifest/agents';
import { audioFunctions } from './manifest/audio';
import { emailFunctions } from './manifest/email';
import { foundationFunctions } from './manifest/foundation';
import { llmFunctions } from './manifest/llm';
import { memoryFunctions } from './manifest/memory';
import { shopifyFunctions } from './manifest/shopify';
import { tiktokFunctions } from './manifest/tiktok';
import { webhookFunctions } from './manifest/webhooks';
import { whatsappFunctions } from './manifest/whatsapp';
import type { FunctionSpec } from './manifest-types';

/** The functions of each area (one file under functions/manifest/ each), in deployment order. */
export const functionAreas = {
  foundation: foundationFunctions,
  webhooks: webhookFunctions,
  llm: llmFunctions,
  shopify: shopifyFunctions,
  tiktok: tiktokFunctions,
  agents: agentFunctions,
  audio: audioFunctions,
  email: emailFunctions,
  memory: memoryFunctions,
  whatsapp: whatsappFunctions,
} as const satisfies Record<string, readonly FunctionSpec[]>;

export type FunctionArea = keyof typeof functionAreas;

export const functions: readonly FunctionSpec[] = Object.values(functionAreas).flat();

export function functionById(id: string): FunctionSpec {
  const spec = functions.find((f) => f.id === id);
  if (!spec) throw new Error(`no function "${id}" in the manifest (known: ${functions.map((f) => f.id).join(', ')})`);
  return spec;
}

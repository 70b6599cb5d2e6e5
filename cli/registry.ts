import type { Command } from './command';
import { agentsDeadLetters, agentsList, agentsRedrive } from './commands/agents';
import { connectionsAdd, connectionsList } from './commands/connections';
import { emailSend, emailSuppressionsList, emailSuppressionsRemove } from './commands/email';
import { credentialsDelete, credentialsList, credentialsServices, credentialsSet } from './commands/credentials';
import { devFake } from './commands/dev';
import { eventsRead, eventsTail } from './commands/events';
import { memoryQuery, memoryStats } from './commands/memory';
import { parkedList, parkedReplay } from './commands/parked';
import { run } from './commands/run';
import { secretsGet, secretsList, secretsSet } from './commands/secrets';
import { shopifyInstallUrl, shopifyMigrateTokens, shopifyStatus, shopifySync } from './commands/shopify';
import { tiktokInstallUrl, tiktokStatus, tiktokWebhook } from './commands/tiktok';
import { webhookSend } from './commands/webhook';
import { workspacesGet, workspacesSet } from './commands/workspaces';

export const commands: Command[] = [
  secretsSet,
  secretsGet,
  secretsList,
  workspacesSet,
  workspacesGet,
  connectionsAdd,
  connectionsList,
  webhookSend,
  eventsRead,
  eventsTail,
  parkedList,
  parkedReplay,
  shopifyInstallUrl,
  shopifyStatus,
  shopifySync,
  shopifyMigrateTokens,
  tiktokInstallUrl,
  tiktokStatus,
  tiktokWebhook,
  credentialsSet,
  credentialsList,
  credentialsDelete,
  credentialsServices,
  agentsList,
  agentsDeadLetters,
  agentsRedrive,
  emailSend,
  emailSuppressionsList,
  emailSuppressionsRemove,
  memoryQuery,
  memoryStats,
  run,
  devFake,
];

/** WhatsApp Integration Service (Meta Cloud API): webhooks, sending, opt-ins, templates, onboarding (issue 14). */
import type { FunctionSpec, Need } from '../manifest-types';

/** What every function calling the Graph API on a workspace's behalf may read: Meta's settings and the tokens (platform, workspace, onboarding). */
const graphApi: Need[] = ['secret:whatsapp', 'workspace-secrets', 'connection-tokens:whatsapp', 'dynamodb:connections:read'];
const workspaceRoute = '/v1/whatsapp/workspaces/{workspace_id}';

/** What the WhatsApp webhook provider's before-events step writes (windows, statuses, consent, pauses, templates): the webhook function and the replay of parked webhooks. */
export const whatsappWebhookState: Need[] = ['dynamodb:whatsapp-messages', 'dynamodb:whatsapp-opt-ins', 'dynamodb:whatsapp-numbers', 'dynamodb:whatsapp-templates'];

export const whatsappFunctions: FunctionSpec[] = [
  {
    id: 'webhook-whatsapp',
    entry: 'functions/webhooks/whatsapp.ts',
    description: 'WhatsApp webhooks: verified (X-Hub-Signature-256), de-duplicated per message and status, windows and STOP/START applied, published to Kafka.',
    trigger: { http: { method: 'POST', path: '/webhooks/whatsapp', auth: 'signature' } },
    memoryMb: 512,
    timeoutS: 10,
    needs: ['kafka', 'secret:whatsapp', 'dynamodb:connections', 'dynamodb:webhook-dedup', 'dynamodb:parked-webhooks', ...whatsappWebhookState],
  },
  {
    id: 'webhook-whatsapp-verify',
    entry: 'functions/webhooks/whatsapp-verify.ts',
    description: 'Meta webhook subscription check: echoes hub.challenge when hub.verify_token matches, 403 otherwise.',
    trigger: { http: { method: 'GET', path: '/webhooks/whatsapp', auth: 'signature' } },
    memoryMb: 256,
    timeoutS: 5,
    needs: ['secret:whatsapp'],
  },
  {
    id: 'whatsapp-send',
    entry: 'functions/whatsapp/send.ts',
    description: 'Sends a WhatsApp message: 24-hour window, opt-in and opt-out enforced, per-number pacing, Meta errors mapped to actions.',
    trigger: { http: { method: 'POST', path: `${workspaceRoute}/messages`, auth: 'iam' } },
    memoryMb: 512,
    timeoutS: 29,
    needs: [...graphApi, 'sqs:outbox', 'dynamodb:whatsapp-messages', 'dynamodb:whatsapp-opt-ins', 'dynamodb:whatsapp-numbers', 'dynamodb:whatsapp-templates'],
  },
  {
    id: 'whatsapp-onboarding',
    entry: 'functions/whatsapp/onboarding.ts',
    description: 'Embedded Signup onboarding: exchanges the code for the business token, subscribes the app to the WABA, registers the number, records the connection.',
    trigger: { http: { method: 'POST', path: `${workspaceRoute}/onboarding`, auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 29,
    needs: ['secret:whatsapp', 'connection-tokens:whatsapp', 'dynamodb:connections', 'sqs:outbox'],
  },
  {
    id: 'whatsapp-opt-ins-create',
    entry: 'functions/whatsapp/opt-ins-create.ts',
    description: 'Records a WhatsApp opt-in (source, text shown) in the consent registry; publishes whatsapp.opt_in.',
    trigger: { http: { method: 'POST', path: `${workspaceRoute}/opt-ins`, auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:connections:read', 'dynamodb:whatsapp-opt-ins', 'sqs:outbox'],
  },
  {
    id: 'whatsapp-opt-ins-get',
    entry: 'functions/whatsapp/opt-ins-get.ts',
    description: 'Reads a user’s WhatsApp consent (and its history) from the registry.',
    trigger: { http: { method: 'GET', path: `${workspaceRoute}/opt-ins/{wa_id}`, auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:whatsapp-opt-ins:read'],
  },
  {
    id: 'whatsapp-opt-ins-delete',
    entry: 'functions/whatsapp/opt-ins-delete.ts',
    description: 'Records a WhatsApp opt-out in the consent registry; publishes whatsapp.opt_out.',
    trigger: { http: { method: 'DELETE', path: `${workspaceRoute}/opt-ins/{wa_id}`, auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:connections:read', 'dynamodb:whatsapp-opt-ins', 'sqs:outbox'],
  },
  {
    id: 'whatsapp-templates-list',
    entry: 'functions/whatsapp/templates-list.ts',
    description: 'Lists a WABA’s message templates with their status (cached; refreshed from Meta when stale).',
    trigger: { http: { method: 'GET', path: `${workspaceRoute}/templates`, auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 29,
    needs: [...graphApi, 'dynamodb:whatsapp-templates'],
  },
  {
    id: 'whatsapp-templates-submit',
    entry: 'functions/whatsapp/templates-submit.ts',
    description: 'Submits a message template to Meta for review.',
    trigger: { http: { method: 'POST', path: `${workspaceRoute}/templates`, auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 29,
    needs: [...graphApi, 'dynamodb:whatsapp-templates'],
  },
  {
    id: 'whatsapp-templates-delete',
    entry: 'functions/whatsapp/templates-delete.ts',
    description: 'Deletes a message template (every language, or one by id).',
    trigger: { http: { method: 'DELETE', path: `${workspaceRoute}/templates/{name}`, auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 29,
    needs: [...graphApi, 'dynamodb:whatsapp-templates'],
  },
];

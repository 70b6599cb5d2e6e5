/**
 * THE list of Lambda functions. The CDK app (infra/) and the local runtime (local/) both read it;
 * nobody writes a route or a function list anywhere else. test/infra/manifest-readers.test.ts proves both
 * readers cover every entry.
 */
import type { FunctionSpec } from './manifest-types';

export const functions: readonly FunctionSpec[] = [
  {
    id: 'workspaces-put-settings',
    entry: 'functions/workspaces/put-settings.ts',
    description: 'Platform keeps the settings of a workspace current (generic_secrets_config_json, ...).',
    trigger: { http: { method: 'PUT', path: '/v1/workspaces/{workspace_id}/settings', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:workspaces'],
  },
  {
    id: 'workspaces-get-settings',
    entry: 'functions/workspaces/get-settings.ts',
    description: 'Reads the settings of a workspace as the integration layer sees them.',
    trigger: { http: { method: 'GET', path: '/v1/workspaces/{workspace_id}/settings', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:workspaces:read'],
  },
  {
    id: 'outbox-drain',
    entry: 'functions/events/outbox-drain.ts',
    description: 'Republishes to Kafka the events the outbox holds; what it cannot deliver ends in the DLQ.',
    trigger: { sqs: { queue: 'outbox', batchSize: 10, maxBatchingWindowS: 1 } },
    memoryMb: 512,
    timeoutS: 60,
    needs: ['kafka', 'sqs:outbox'],
  },
  {
    id: 'webhook-shopify',
    entry: 'functions/webhooks/shopify.ts',
    description: 'Shopify webhooks: verified (HMAC), de-duplicated, routed to the workspace and published to Kafka.',
    trigger: { http: { method: 'POST', path: '/webhooks/shopify', auth: 'signature' } },
    memoryMb: 512,
    timeoutS: 10,
    needs: ['kafka', 'secret:shopify', 'dynamodb:connections', 'dynamodb:webhook-dedup', 'dynamodb:parked-webhooks'],
  },
  {
    id: 'webhooks-replay-parked',
    entry: 'functions/webhooks/replay-parked.ts',
    description: 'Replays parked webhooks whose account has since been connected to a workspace.',
    trigger: { schedule: { expression: 'rate(15 minutes)' } },
    memoryMb: 512,
    timeoutS: 120,
    needs: ['kafka', 'dynamodb:connections', 'dynamodb:webhook-dedup', 'dynamodb:parked-webhooks'],
  },
  {
    id: 'sentinel-order-counter',
    entry: 'functions/sentinel/order-counter.ts',
    description: 'Sales Sentinel feed: per-workspace order counters from shopify.orders.created events.',
    trigger: { kafka: { topics: ['ionflux.shopify.all_workspaces'], eventTypes: ['shopify.orders.created'], batchSize: 100 } },
    memoryMb: 256,
    timeoutS: 60,
    needs: ['dynamodb:order-counters'],
  },
  {
    id: 'sentinel-get-order-counters',
    entry: 'functions/sentinel/get-order-counters.ts',
    description: 'Reads the Sales Sentinel order counters of a workspace (totals and per day).',
    trigger: { http: { method: 'GET', path: '/v1/sentinel/workspaces/{workspace_id}/order-counters', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:order-counters:read'],
  },
];

export function functionById(id: string): FunctionSpec {
  const spec = functions.find((f) => f.id === id);
  if (!spec) throw new Error(`no function "${id}" in the manifest (known: ${functions.map((f) => f.id).join(', ')})`);
  return spec;
}

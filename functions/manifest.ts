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
];

export function functionById(id: string): FunctionSpec {
  const spec = functions.find((f) => f.id === id);
  if (!spec) throw new Error(`no function "${id}" in the manifest (known: ${functions.map((f) => f.id).join(', ')})`);
  return spec;
}

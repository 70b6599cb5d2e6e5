/** Workspace settings and the event backbone’s own functions. */
import type { FunctionSpec } from '../manifest-types';

export const foundationFunctions: FunctionSpec[] = [
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

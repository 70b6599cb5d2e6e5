/**
 * Representative invocations for the cold-init benchmark, per function id (functions not listed get a
 * default event for their trigger). Each does the function's real work against local services.
 */
import { buildHttpApiEvent } from '../local/api-gateway-event';

export async function sampleEvents(): Promise<Record<string, unknown>> {
  return {
    'workspaces-put-settings': buildHttpApiEvent({
      method: 'PUT',
      rawPath: '/v1/workspaces/bench/settings',
      routeKey: 'PUT /v1/workspaces/{workspace_id}/settings',
      pathParameters: { workspace_id: 'bench' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ generic_secrets_config_json: { openai: 'bench/ionflux/workspaces/bench/openai' } }),
    }),
  };
}

/**
 * Agent registrations and trigger dispatch for this execution environment: the registry (on the
 * `agent-registrations` table, keeping the workspaces' active_kafka_topics_list current), the per-workspace
 * trigger index cache, the AgentService client (configured by `<root>/platform/agent-service`) and the
 * retry queue with its DLQ. Nothing here talks to Kafka (the dispatcher is fed by its event source).
 */
import { AgentServiceClient, loadAgentServiceConfig } from '../agents/agent-service';
import { DispatchQueue } from '../agents/dispatch-queue';
import { TriggerIndexCache } from '../agents/registration-cache';
import { RegistrationStore } from '../agents/registration-store';
import { AgentRegistry } from '../agents/registry';
import { config } from '../config/env';
import { perEnvironment } from './per-environment';
import { queue } from './queues';
import { secretResolver } from './secrets';
import { table } from './storage';
import { workspaceDirectory } from './workspaces';

export const registrationStore = perEnvironment(() => new RegistrationStore(table('agent-registrations')));

export const agentRegistry = perEnvironment(() => new AgentRegistry({ store: registrationStore(), workspaces: workspaceDirectory() }));

export const triggerIndexes = perEnvironment(() => new TriggerIndexCache(registrationStore()));

export const agentServiceClient = perEnvironment(
  () =>
    new AgentServiceClient({
      config: () => loadAgentServiceConfig(secretResolver(), { region: config().aws.region, allowHttp: config().localMode }),
    }),
);

export const dispatchQueue = perEnvironment(() => new DispatchQueue({ retry: queue('agent-dispatch'), deadLetter: queue('agent-dispatch-dlq') }));

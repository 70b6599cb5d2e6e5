/**
 * Which topics agent triggers come from. An MSK event source subscribes to fixed topic names, so the
 * dispatcher reads the fan-in of every per-workspace family (each per-workspace event is also written
 * there, with an `origin_topic` header), the shared email status topic and the platform topics — all but
 * the credential audit (an agent triggered by its own credential use would loop).
 */
import { fanInFamilies, perWorkspaceTopic, platformTopicNames, topics, validateTopicName } from '../events/topics';

/** Platform topics whose events never trigger agents. */
const NOT_DISPATCHED: readonly string[] = ['credential_access'];

/** The fixed topics the dispatcher consumes. */
export function dispatchTopics(): string[] {
  return [
    ...fanInFamilies.map((family) => topics.allWorkspaces(family)),
    topics.emailDeliveryStatus(),
    ...platformTopicNames.filter((name) => !NOT_DISPATCHED.includes(name)).map((name) => topics.platform(name)),
  ];
}

/**
 * Why a trigger of `workspaceId` cannot name `topic` (undefined when it can): it may name its own
 * workspace's per-workspace topics (any family, other agents' outputs included) and the shared topics the
 * dispatcher reads (events there still reach only agents of the event's own workspace).
 */
export function agentTopicProblem(workspaceId: string, topic: string): string | undefined {
  try {
    validateTopicName(topic);
  } catch (error) {
    return (error as Error).message;
  }
  const perWorkspace = perWorkspaceTopic(topic);
  if (perWorkspace) {
    return perWorkspace.workspaceId === workspaceId ? undefined : `${topic} belongs to workspace ${perWorkspace.workspaceId}; a trigger may only name topics of workspace ${workspaceId}`;
  }
  if (dispatchTopics().includes(topic)) return undefined;
  if (NOT_DISPATCHED.some((name) => topics.platform(name) === topic)) return `${topic} is an audit topic; its events never trigger agents`;
  return `${topic} is not a topic agent triggers come from: name a per-workspace topic of workspace ${workspaceId} (ionflux.shopify.ws_${workspaceId}.orders.created, ionflux.agent.<agent_id>.ws_${workspaceId}.outputs, …) or one of ${dispatchTopics().join(', ')}`;
}

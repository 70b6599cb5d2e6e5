/** SQS trigger on agent-dispatch: retries invocations AgentService did not take, with backoff; then the DLQ. */
import { retryInvocations, type RetryDeps } from '../../shared/agents/dispatch-retry';
import { sqsHandler } from '../../shared/queues/sqs-handler';
import { agentServiceClient, dispatchQueue } from '../../shared/runtime/agents';
import { queue } from '../../shared/runtime/queues';

/** The handler over any dependencies (tests pass a policy with short waits). */
export const createDispatchRetryHandler = (deps: () => RetryDeps) =>
  sqsHandler(async (records, deadline) =>
    retryInvocations(
      records.map((r) => ({
        messageId: r.messageId,
        receiptHandle: r.receiptHandle,
        body: r.body,
        encoding: r.messageAttributes?.encoding?.stringValue,
        receiveCount: Number(r.attributes?.ApproximateReceiveCount ?? 1),
      })),
      deps(),
      { deadline },
    ),
  );

export const handler = createDispatchRetryHandler(() => ({ client: agentServiceClient(), queue: dispatchQueue(), retryQueue: queue('agent-dispatch') }));

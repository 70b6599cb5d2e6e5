/**
 * SQS trigger on `shopify-sync`: runs each per-shop job (catalog sync or order reconciliation). Jobs not
 * finished by the deadline are reported as failed so SQS delivers them again and they resume.
 */
import { moduleLogger } from '../../shared/observability/logger';
import { sqsHandler } from '../../shared/queues/sqs-handler';
import { shopClients, shopifyFetch } from '../../shared/runtime/shopify';
import { catalogSync, orderReconciliation } from '../../shared/runtime/shopify-syncs';
import { parseSyncJob, runSyncJob } from '../../shared/shopify/sync-jobs';
import { shopifyWebhookTopics } from '../../shared/webhooks/providers/shopify/topics';

const log = moduleLogger('shopify');

export const handler = sqsHandler(async (records, deadline) => {
  const failed: string[] = [];
  for (const record of records) {
    let job;
    try {
      job = parseSyncJob(record.body);
    } catch (error) {
      log.error('dropping an invalid shopify sync message', { message_id: record.messageId, error: (error as Error).message });
      continue;
    }
    const outcome = await runSyncJob(
      job,
      { clients: shopClients(), catalog: catalogSync(), reconciliation: orderReconciliation(), fetch: shopifyFetch, webhookTopics: shopifyWebhookTopics },
      { deadline },
    ).catch((error: unknown) => ({ status: 'retry' as const, job, reason: (error as Error).message }));
    if (outcome.status === 'retry') failed.push(record.messageId);
    log.info('shopify sync job', { kind: job.kind, shop: job.shop, status: outcome.status, ...(outcome.status === 'done' ? {} : { reason: outcome.reason }) });
  }
  return failed;
});

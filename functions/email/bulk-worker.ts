/**
 * email-bulk queue (SQS): sends one chunk of a bulk batch per message at the shared rate. A chunk with
 * recipients still to send (pacing, a retry's backoff, a send in doubt) is made visible again when they
 * are due and reported as a partial batch failure; the others are done.
 */
import type { ChunkJob } from '../../shared/email/bulk-service';
import { errorMessage } from '../../shared/errors';
import { moduleLogger } from '../../shared/observability/logger';
import { sqsHandler } from '../../shared/queues/sqs-handler';
import { bulkEmailWorker } from '../../shared/runtime/email';
import { queue } from '../../shared/runtime/queues';

const log = moduleLogger('email-bulk-worker');

export const handler = sqsHandler(async (records, deadline) => {
  const failed: string[] = [];
  for (const record of records) {
    let job: ChunkJob;
    try {
      job = JSON.parse(record.body) as ChunkJob;
      if (typeof job.batch_id !== 'string' || !Number.isInteger(job.chunk)) throw new Error('not a chunk job');
    } catch (error) {
      log.error('email-bulk message is not a chunk job; dropped', { message_id: record.messageId, error: errorMessage(error) });
      continue;
    }
    try {
      const outcome = await bulkEmailWorker().processChunk(job, deadline);
      if (outcome.kind === 'later') {
        await queue('email-bulk').release(record.receiptHandle, outcome.delayMs);
        failed.push(record.messageId);
      } else if (outcome.kind === 'drop') {
        log.warn('email-bulk chunk dropped', { ...job, reason: outcome.reason });
      } else {
        log.info('email-bulk chunk done', { ...job, sent: outcome.sent, failed: outcome.failed, suppressed: outcome.suppressed });
      }
    } catch (error) {
      log.error('email-bulk chunk failed; it comes back after the visibility timeout', { ...job, error: errorMessage(error) });
      failed.push(record.messageId);
    }
  }
  return failed;
});

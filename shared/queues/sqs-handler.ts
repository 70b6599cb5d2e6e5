/**
 * `sqsHandler(fn)`: the Middy stack of SQS-triggered functions. The domain function gets the records and
 * a deadline and returns the ids that failed; the response reports them as partial batch failures.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../observability/logger';
import { withinDeadline } from '../timing';

/** Time kept back from the Lambda's remaining time to return the batch response. */
const MARGIN_MS = 1000;

export type SqsFunction = (records: SQSRecord[], deadline: number, context: Context) => Promise<string[]>;

export function sqsHandler(fn: SqsFunction) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000;
      // AWS calls are aborted at the deadline (failed records are reported, not lost to Lambda's timeout).
      const failed = await withinDeadline(Date.now() + Math.max(0, remaining - MARGIN_MS), (deadline) => fn(event.Records, deadline, context), { backstop: false });
      if (failed.length) logger.warn('sqs batch partially failed', { failed: failed.length, total: event.Records.length });
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
    });
}

/**
 * `snsHandler(fn)`: the Middy stack of SNS-triggered functions (e.g. SES events). SNS invokes a function
 * asynchronously with one notification at a time; when `fn` throws, Lambda retries the event
 * (SNS_RETRY_ATTEMPTS) and then records it in `sns-consumer-dlq`. The domain function gets the records
 * and a deadline derived from the remaining time.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SNSEvent, SNSEventRecord } from 'aws-lambda';
import { logger } from '../observability/logger';

/** Time kept back from the Lambda's remaining time to finish cleanly. */
const MARGIN_MS = 1000;

export type SnsFunction = (records: SNSEventRecord[], deadline: number, context: Context) => Promise<void>;

export function snsHandler(fn: SnsFunction) {
  return middy<SNSEvent, void, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000;
      await fn(event.Records, Date.now() + Math.max(0, remaining - MARGIN_MS), context);
    });
}

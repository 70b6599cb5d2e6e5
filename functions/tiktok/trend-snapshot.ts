/**
 * Daily: for each workspace's tracked hashtags, the Research API statistics of the last complete UTC day,
 * published as `tiktok.trend_snapshot` (shared/tiktok/trend-snapshot.ts).
 */
import type { Context } from 'aws-lambda';
import { config } from '../../shared/config/env';
import { outboxPublisher } from '../../shared/runtime/outbox';
import { tiktokResearch, trackedHashtags } from '../../shared/runtime/tiktok';
import { runTrendSnapshot } from '../../shared/tiktok/trend-snapshot';

export const handler = async (_event: unknown, context: Context) =>
  runTrendSnapshot(
    { tracked: trackedHashtags(), research: tiktokResearch(), publisher: outboxPublisher(), source: config().serviceName },
    { deadline: Date.now() + context.getRemainingTimeInMillis() - 10_000 },
  );

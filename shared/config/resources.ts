/**
 * The data resources of the integration layer, declared once. The CDK app creates them, the local
 * runtime creates them in moto when missing, and the stores address them by these names. Every table
 * has a string partition key `pk`, optionally a string sort key `sk`, and (where `ttl`) an epoch-seconds
 * `expires_at` attribute that DynamoDB's TTL deletes and that reads treat as already gone.
 */
export interface TableSpec {
  sortKey: boolean;
  ttl: boolean;
  purpose: string;
}

export const tables = {
  workspaces: { sortKey: false, ttl: false, purpose: 'Workspace settings kept current by the platform (generic_secrets_config_json, …).' },
  connections: { sortKey: false, ttl: false, purpose: 'Which workspace owns which external account (Shopify shop, TikTok open_id, WhatsApp phone number id).' },
  'webhook-dedup': { sortKey: false, ttl: true, purpose: 'One record per accepted upstream delivery, kept longer than any provider retry window.' },
  'parked-webhooks': { sortKey: true, ttl: false, purpose: 'Verified webhooks for accounts no workspace owns yet, replayable once connected.' },
  'order-counters': { sortKey: true, ttl: true, purpose: 'Sales Sentinel feed: per-workspace order counters built from orders.created events.' },
  'shopify-oauth-states': { sortKey: false, ttl: true, purpose: 'Shopify OAuth installs: single-use state values bound to a workspace and shop, kept 10 minutes.' },
  'shopify-token-locks': { sortKey: false, ttl: true, purpose: 'Shopify token refresh: per-shop locks and failure cooldowns, so concurrent functions spend a rotating refresh token once.' },
  'shopify-shop-state': { sortKey: true, ttl: true, purpose: 'Per-shop Shopify state: workspace index, main-theme history, sync and reconciliation watermarks, orders seen through webhooks.' },
  'whatsapp-opt-ins': { sortKey: true, ttl: false, purpose: 'WhatsApp consent registry: per workspace and user, the current opt-in / opt-out and its history (source, text shown, when).' },
  'whatsapp-messages': { sortKey: false, ttl: true, purpose: 'WhatsApp messages: sent messages and their furthest status, customer service windows, send idempotency by client_reference.' },
  'whatsapp-numbers': { sortKey: false, ttl: true, purpose: 'WhatsApp phone numbers: throughput time-slot leases shared by concurrent senders, pauses after a quality limit (131048).' },
  'whatsapp-templates': { sortKey: true, ttl: true, purpose: 'WhatsApp message templates per WABA: the cached list with statuses and categories.' },
  'agent-registrations': { sortKey: true, ttl: false, purpose: 'Agents registered per workspace (pk workspace, sk agent): event_stream triggers, declared outputs and credentials, unofficial-method disclaimers.' },
  'workspace-credentials': { sortKey: true, ttl: false, purpose: 'Niche-service credentials a workspace stored (pk workspace, sk label): service, field names and when each was set; never values.' },
  'tiktok-oauth-states': { sortKey: false, ttl: true, purpose: 'TikTok account connections: single-use OAuth state values bound to a workspace and the scopes asked for, kept 10 minutes.' },
  'tiktok-token-locks': { sortKey: false, ttl: true, purpose: 'TikTok token refresh: per-account locks, spend marks and failure cooldowns, so concurrent functions spend a rotating refresh token once.' },
  'tiktok-state': { sortKey: true, ttl: true, purpose: 'TikTok: tracked hashtags per workspace (pk tracked-hashtags) and the Research API daily request count (pk research-quota, sk the UTC day).' },
  'email-dispatches': {
    sortKey: true,
    ttl: true,
    purpose: 'Email dispatch: one record per message sent (single or bulk recipient), idempotency keys, bulk batches with their recipient chunks and counters.',
  },
  'email-suppressions': { sortKey: true, ttl: false, purpose: 'Per-workspace email suppressions: hard bounces and complaints (every category), unsubscribes (marketing).' },
  'email-send-rate': { sortKey: false, ttl: true, purpose: 'Shared email sending budgets: the SES rate timeline every worker reserves slots from, SendGrid rate-limit pauses.' },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;

export interface QueueSpec {
  /** Name of the dead-letter queue that receives messages after `maxReceiveCount` failed receives. */
  deadLetterQueue?: string;
  /** Holds what could not be processed (some other queue's or an event source's dead letters): alarmed when not empty. */
  holdsDeadLetters?: boolean;
  maxReceiveCount?: number;
  visibilityTimeoutS: number;
  retentionDays: number;
  purpose: string;
}

export const queues = {
  outbox: {
    deadLetterQueue: 'outbox-dlq',
    // Every failed drain costs each message of the batch one receive, one per visibility timeout (3 min,
    // over twice the drainer's 60 s): 100 receives ride out a Kafka outage of about 5 hours before anything
    // reaches the DLQ (the outbox-age alarm fires after 15 minutes).
    maxReceiveCount: 100,
    visibilityTimeoutS: 180,
    retentionDays: 14,
    purpose: 'Durable outbox: events Kafka could not take in time, drained back to Kafka by outbox-drain.',
  },
  'outbox-dlq': {
    visibilityTimeoutS: 120,
    retentionDays: 14,
    purpose: 'What the outbox drainer could not deliver after every retry; inspected and redriven by operators.',
  },
  'shopify-sync': {
    deadLetterQueue: 'shopify-sync-dlq',
    // A catalog export still running gives its message back and is polled again one visibility timeout
    // later: 12 receives × 30 min let a large shop's bulk export run about 6 hours. The visibility timeout
    // is twice the worker's 15 minutes, so a delayed or retried invocation does not put the same shop's
    // job in two workers at once.
    maxReceiveCount: 12,
    visibilityTimeoutS: 1800,
    retentionDays: 4,
    purpose: 'Shopify syncs fanned out per shop (nightly catalog sync, order reconciliation), consumed by shopify-sync-worker.',
  },
  'shopify-sync-dlq': {
    visibilityTimeoutS: 120,
    retentionDays: 14,
    purpose: 'Shopify sync jobs that failed on every attempt; inspected and redriven by operators.',
  },
  'agent-dispatch': {
    deadLetterQueue: 'agent-dispatch-dlq',
    // agents-dispatch-retry backs off by making a failed message invisible for longer on each receive
    // (dispatch-policy.ts) and moves it to the DLQ itself, with the last error, after its last attempt. The
    // redrive policy is only the safety net for a worker that dies on a message: a few receives more.
    maxReceiveCount: 12,
    visibilityTimeoutS: 180,
    retentionDays: 4,
    purpose: 'Agent invocations AgentService did not take on the first attempts, retried with backoff by agents-dispatch-retry.',
  },
  'agent-dispatch-dlq': {
    visibilityTimeoutS: 120,
    retentionDays: 14,
    purpose: 'Agent invocations that failed every retry (or were refused); moved back by `ionflux agents redrive`.',
  },
  'email-bulk': {
    deadLetterQueue: 'email-bulk-dlq',
    // A chunk whose recipients are still pacing, waiting on a retry or held by a duplicate invocation is
    // released and received again; 20 receives leave room for that and for a few crashes. The visibility
    // timeout is twice the worker's 300 s timeout plus its batching window.
    maxReceiveCount: 20,
    visibilityTimeoutS: 660,
    retentionDays: 4,
    purpose: 'Bulk email: one message per chunk of up to 100 recipients of a batch, sent by email-bulk-worker at the shared rate.',
  },
  'email-bulk-dlq': {
    visibilityTimeoutS: 120,
    retentionDays: 14,
    purpose: 'Bulk email chunks that failed on every attempt (their recipients stay pending); inspected and redriven by operators.',
  },
  'sns-consumer-dlq': {
    holdsDeadLetters: true,
    visibilityTimeoutS: 120,
    retentionDays: 14,
    purpose: 'Dead letters of every SNS-triggered function: the SNS events (e.g. SES delivery notifications) it could not process after Lambda\'s retries. Redrive by invoking the function with the stored event.',
  },
  'kafka-consumer-dlq': {
    holdsDeadLetters: true,
    visibilityTimeoutS: 120,
    retentionDays: 14,
    purpose:
      'On-failure destination of every MSK event source: which records (topic, partition, offsets) a consumer function could not process after its retries. Read them again from Kafka within its retention.',
  },
  'scheduled-dlq': {
    holdsDeadLetters: true,
    visibilityTimeoutS: 120,
    retentionDays: 14,
    purpose:
      'On-failure destination of every scheduled function (EventBridge invokes it asynchronously): the invocation and its error after Lambda\'s retries. Fix the cause; the next run usually catches up.',
  },
} as const satisfies Record<string, QueueSpec>;

export type QueueName = keyof typeof queues;

export interface SnsTopicSpec {
  purpose: string;
}

/**
 * SNS topics AWS services publish to (SES event destinations). CDK creates them; the local runtime
 * emulates them (an embedded folder, or a moto topic with a local SQS subscription) for `sns` triggers.
 */
export const snsTopics = {
  'email-events': { purpose: 'SES sending events (send, delivery, bounce, complaint, …) of the email configuration set, consumed by webhook-ses-sns.' },
} as const satisfies Record<string, SnsTopicSpec>;

export type SnsTopicName = keyof typeof snsTopics;
export const snsTopicNames = Object.keys(snsTopics) as SnsTopicName[];

for (const [name, spec] of Object.entries(queues) as Array<[string, QueueSpec]>) {
  if (spec.deadLetterQueue && !(spec.deadLetterQueue in queues)) throw new Error(`queue ${name}: dead-letter queue ${spec.deadLetterQueue} is not declared`);
}

export interface BucketSpec {
  /** Objects are deleted this many days after they were written (S3 lifecycle rule). */
  retentionDays: number;
  purpose: string;
}

/**
 * S3 buckets: private (no public access, TLS only, encrypted), objects expiring after `retentionDays`.
 * In AWS the CDK names them (bucket names are global) and gives each function that needs one its name in
 * `IONFLUX_BUCKET_<NAME>`; in moto they are `<prefix>-<name>`.
 */
export const buckets = {
  audio: { retentionDays: 30, purpose: 'Generated speech (voice notes, audio briefs), keyed per workspace by content hash: the TTS cache; handed out as presigned URLs.' },
} as const satisfies Record<string, BucketSpec>;

export type BucketName = keyof typeof buckets;

export const tableNames = Object.keys(tables) as TableName[];
export const queueNames = Object.keys(queues) as QueueName[];
export const bucketNames = Object.keys(buckets) as BucketName[];

/** Physical name of a table, queue, SNS topic or (outside AWS) bucket: `<prefix>-<name>`. */
export const physicalName = (prefix: string, name: TableName | QueueName | BucketName | SnsTopicName): string => `${prefix}-${name}`;

/** The environment variable that carries a bucket's name to the functions that use it. */
export const bucketEnvironmentVariable = (name: BucketName): string => `IONFLUX_BUCKET_${name.toUpperCase().replace(/-/g, '_')}`;

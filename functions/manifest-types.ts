/**
 * The vocabulary of the function manifest. Each entry says what runs (entry), what starts it (trigger)
 * and what it may touch (needs); the CDK app derives routes, event sources and least-privilege grants
 * from it, and the local runtime derives routes and subscriptions.
 */
import type { ConnectionProvider } from '../shared/connections/account-ids';
import type { PlatformProvider } from '../shared/secrets/names';
import type { BucketName, QueueName, SnsTopicName, TableName } from '../shared/config/resources';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * `signature`: a provider webhook, public at the gateway and verified by signature in the handler.
 * `iam`: an internal API (SigV4 with IAM in AWS; a bearer token locally).
 * `public`: a browser-facing route such as an OAuth redirect.
 */
export type HttpAuth = 'signature' | 'iam' | 'public';

export interface HttpTrigger {
  http: { method: HttpMethod; path: string; auth: HttpAuth };
}

/**
 * Retries of a failing Kafka batch before its event source gives up on it and records it in
 * `kafka-consumer-dlq` (the MSK event source in AWS, and the local runtime's triggers alike).
 */
export const KAFKA_RETRY_ATTEMPTS = 10;

export interface KafkaTrigger {
  kafka: {
    /** Fixed topic names (an MSK event source subscribes to names, not patterns). */
    topics: string[];
    /** Only records whose PlatformEvent has one of these event types reach the function. */
    eventTypes?: string[];
    batchSize?: number;
    startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  };
}

/**
 * The Kafka consumer group of a function on one of its topics — the same in the CDK app and the local
 * runtime. AWS wants a consumer group unique per event source, and each topic is its own event source:
 * a function on one topic keeps `<prefix>-<id>`, one on several topics gets `<prefix>-<id>.<topic>` each.
 */
export function kafkaConsumerGroup(prefix: string, spec: { id: string; trigger: KafkaTrigger }, topic: string): string {
  return spec.trigger.kafka.topics.length > 1 ? `${prefix}-${spec.id}.${topic}` : `${prefix}-${spec.id}`;
}

export interface ScheduleTrigger {
  /** `rate(15 minutes)` or `cron(0 3 * * ? *)` (EventBridge syntax, UTC). */
  schedule: { expression: string };
}

export interface SqsTrigger {
  sqs: {
    queue: QueueName;
    batchSize?: number;
    maxBatchingWindowS?: number;
    /** Most concurrent invocations the event source makes (2–1000; default DEFAULT_SQS_MAX_CONCURRENCY). */
    maxConcurrency?: number;
  };
}

/** Concurrent invocations of an SQS event source unless its entry says otherwise: a queue that fills up never takes the account's whole concurrency. */
export const DEFAULT_SQS_MAX_CONCURRENCY = 10;

/**
 * Retries of a failing SNS-triggered invocation (Lambda's asynchronous retries) before the event goes to
 * `sns-consumer-dlq`, in AWS and in the local runtime alike.
 */
export const SNS_RETRY_ATTEMPTS = 2;

/** An SNS topic an AWS service publishes to (e.g. SES event destinations); no public endpoint. */
export interface SnsTrigger {
  sns: { topic: SnsTopicName };
}

export type Trigger = HttpTrigger | KafkaTrigger | ScheduleTrigger | SqsTrigger | SnsTrigger;

/**
 * What a function may touch:
 * - `kafka`: publish PlatformEvents (VPC-attached; MSK connect/write/create-topic; the outbox queue).
 * - `dynamodb:<table>` read and write; `dynamodb:<table>:read` read only.
 * - `sqs:<queue>`: send to the queue.
 * - `s3:<bucket>`: read and write its objects (and presign GET URLs to them); the bucket's name in
 *   `IONFLUX_BUCKET_<NAME>`.
 * - `secret:<provider>`: read the platform secret `<root>/platform/<provider>`.
 * - `workspace-secrets`: resolve workspace keys (read `<root>/workspaces/*` and the workspaces table).
 * - `workspace-secrets:write`: create, update and delete the keys a workspace provides, `<root>/workspaces/*`
 *   (the credentials API; the workspaces table is a separate `dynamodb:` need).
 * - `connection-tokens:<provider>`: read, create and update the tokens the platform obtained for that
 *   provider's connected accounts, `<root>/connections/<provider>/*` (never a workspace's own keys, never
 *   another provider's tokens).
 * - `ses:send`: `ses:SendRawEmail` from the configured identities with the email configuration set, and
 *   `ses:GetSendQuota` (the account's MaxSendRate).
 */
export type Need =
  | 'kafka'
  | `dynamodb:${TableName}`
  | `dynamodb:${TableName}:read`
  | `sqs:${QueueName}`
  | `s3:${BucketName}`
  | `secret:${PlatformProvider}`
  | 'workspace-secrets'
  | 'workspace-secrets:write'
  | `connection-tokens:${ConnectionProvider}`
  | 'ses:send';

export interface FunctionSpec {
  /** Stable id: the Lambda's logical name, `ionflux run <id>`, log service name. */
  id: string;
  /** Handler file exporting `handler`, relative to the project root. */
  entry: string;
  description: string;
  trigger: Trigger;
  memoryMb: number;
  timeoutS: number;
  needs: Need[];
}

export const isHttp = (t: Trigger): t is HttpTrigger => 'http' in t;
export const isKafka = (t: Trigger): t is KafkaTrigger => 'kafka' in t;
export const isSchedule = (t: Trigger): t is ScheduleTrigger => 'schedule' in t;
export const isSqs = (t: Trigger): t is SqsTrigger => 'sqs' in t;
export const isSns = (t: Trigger): t is SnsTrigger => 'sns' in t;

export const triggerKind = (t: Trigger): 'http' | 'kafka' | 'schedule' | 'sqs' | 'sns' =>
  isHttp(t) ? 'http' : isKafka(t) ? 'kafka' : isSchedule(t) ? 'schedule' : isSns(t) ? 'sns' : 'sqs';

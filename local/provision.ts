/**
 * Creates, when missing, what the functions expect to find — with the same names as the CDK app: tables
 * (with TTL), queues (with their dead-letter redrive), the platform secrets (holding `{}` until an
 * operator fills them) in moto or AWS-compatible endpoints, and the fixed Kafka topics. Used by
 * `npm run dev` with AWS_ENDPOINT_URL / KAFKA_BROKERS, and by the tests.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, QueueNameExists } from '@aws-sdk/client-sqs';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, HeadBucketCommand, PutBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { config } from '../shared/config/env';
import { bucketNames, buckets, physicalName, type QueueName, queueNames, queues, type QueueSpec, tableNames, tables } from '../shared/config/resources';
import type { KafkaEventBus } from '../shared/events/kafka-bus';
import { fanInFamilies, platformTopicNames, topics } from '../shared/events/topics';
import { platformProviders, platformSecretName } from '../shared/secrets/names';
import { TTL_ATTRIBUTE } from '../shared/storage/table';
import { eventBus } from '../shared/runtime/events';
import { sqsClient } from '../shared/runtime/queues';
import { s3Client } from '../shared/runtime/s3';
import { secretStore } from '../shared/runtime/secrets';
import { dynamoDbClient } from '../shared/runtime/storage';

/** Topics that exist whatever the workspaces (workspace topics are created on first publish). */
export const fixedTopics = () => [...fanInFamilies.map((f) => topics.allWorkspaces(f)), topics.emailDeliveryStatus(), ...platformTopicNames.map((name) => topics.platform(name))];

export async function provisionTables(): Promise<string[]> {
  const cfg = config();
  const client = dynamoDbClient();
  const created: string[] = [];
  for (const name of tableNames) {
    const spec = tables[name];
    const TableName = physicalName(cfg.resourcePrefix, name);
    try {
      await client.send(new DescribeTableCommand({ TableName }));
      continue;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(spec.sortKey ? [{ AttributeName: 'sk', AttributeType: 'S' as const }] : [])],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(spec.sortKey ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
        }),
      );
      if (spec.ttl) {
        await client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
      }
      created.push(TableName);
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  return created;
}

export async function provisionQueues(): Promise<void> {
  const cfg = config();
  const client = sqsClient();
  const arns = new Map<QueueName, string>();
  const ordered = [...queueNames].sort((a, b) => Number(Boolean((queues[a] as QueueSpec).deadLetterQueue)) - Number(Boolean((queues[b] as QueueSpec).deadLetterQueue)));
  for (const name of ordered) {
    const spec: QueueSpec = queues[name];
    const Attributes: Record<string, string> = {
      VisibilityTimeout: String(spec.visibilityTimeoutS),
      MessageRetentionPeriod: String(spec.retentionDays * 86400),
    };
    if (spec.deadLetterQueue) {
      Attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arns.get(spec.deadLetterQueue as QueueName), maxReceiveCount: spec.maxReceiveCount ?? 5 });
    }
    let url: string | undefined;
    try {
      url = (await client.send(new CreateQueueCommand({ QueueName: physicalName(cfg.resourcePrefix, name), Attributes }))).QueueUrl;
    } catch (error) {
      if (!(error instanceof QueueNameExists)) throw error;
    }
    if (url) {
      const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
      if (attrs.Attributes?.QueueArn) arns.set(name, attrs.Attributes.QueueArn);
    }
  }
}

/** Buckets (private by default in moto as in S3), with their expiry rule like the CDK app's. */
export async function provisionBuckets(): Promise<void> {
  const client = s3Client();
  for (const name of bucketNames) {
    const Bucket = physicalName(config().resourcePrefix, name);
    try {
      await client.send(new HeadBucketCommand({ Bucket }));
      continue;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket }));
    } catch (error) {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    }
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: { Rules: [{ ID: 'expire', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: buckets[name].retentionDays } }] },
      }),
    );
  }
}

/** Platform secrets holding `{}` where none exists yet (like the CDK app); existing values are kept. */
export async function provisionPlatformSecrets(): Promise<void> {
  const store = secretStore();
  const existing = new Set(await store.list(`${config().secretRoot}/platform/`));
  for (const provider of platformProviders) {
    const name = platformSecretName(config().secretRoot, provider);
    if (!existing.has(name)) await store.put(name, '{}');
  }
}

export async function provisionTopics(): Promise<void> {
  if (config().kafka.mode === 'embedded') return;
  await (eventBus() as KafkaEventBus).ensureTopics(fixedTopics());
}

/**
 * Everything, for the configured backends: only against an emulator endpoint (moto) — real AWS
 * accounts get their resources from the CDK app — and embedded stores need nothing.
 */
export async function provisionAll(options: { secrets?: boolean } = {}): Promise<void> {
  if (config().aws.enabled && config().aws.endpoint) {
    await provisionTables();
    await provisionQueues();
    await provisionBuckets();
    if (options.secrets !== false) await provisionPlatformSecrets();
  }
  await provisionTopics();
}

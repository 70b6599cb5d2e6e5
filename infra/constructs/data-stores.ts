/**
 * Tables, queues, buckets and SNS topics, created from the one catalog in shared/config/resources.ts:
 * DynamoDB with point-in-time recovery, customer-managed KMS encryption and TTL where declared; SQS with
 * KMS, TLS-only access and the declared dead-letter queues; S3 buckets private (all public access blocked,
 * ACLs disabled), TLS only, KMS-encrypted with the same key (S3 Bucket Keys), objects expiring after the
 * declared retention, and server access logs in a log bucket of their own; SNS with KMS and TLS-only access.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type BucketName,
  bucketNames,
  buckets,
  physicalName,
  type QueueName,
  queueNames,
  queues,
  type QueueSpec,
  type SnsTopicName,
  snsTopicNames,
  snsTopics,
  type TableName,
  tableNames,
  tables,
} from '../../shared/config/resources';
import { TTL_ATTRIBUTE } from '../../shared/storage/table';

export interface DataStoresProps {
  resourcePrefix: string;
}

export class DataStores extends Construct {
  readonly key: kms.Key;
  readonly tables: Record<TableName, dynamodb.Table>;
  readonly queues: Record<QueueName, sqs.Queue>;
  readonly topics: Record<SnsTopicName, sns.Topic>;
  readonly buckets: Record<BucketName, s3.Bucket>;
  /** Server access logs of the buckets (SSE-S3: S3 log delivery cannot write with a KMS key). */
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataStoresProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'DataKey', {
      description: 'IONFLUX integration layer: tables, queues and secrets',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.tables = {} as Record<TableName, dynamodb.Table>;
    for (const name of tableNames) {
      const spec = tables[name];
      this.tables[name] = new dynamodb.Table(this, `Table-${name}`, {
        tableName: physicalName(props.resourcePrefix, name),
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        ...(spec.sortKey ? { sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING } } : {}),
        ...(spec.ttl ? { timeToLiveAttribute: TTL_ATTRIBUTE } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    // Dead-letter queues first, so the queues that point at them can reference them.
    this.queues = {} as Record<QueueName, sqs.Queue>;
    const ordered = [...queueNames].sort((a, b) => Number(Boolean((queues[a] as QueueSpec).deadLetterQueue)) - Number(Boolean((queues[b] as QueueSpec).deadLetterQueue)));
    for (const name of ordered) {
      const spec: QueueSpec = queues[name];
      const deadLetter = spec.deadLetterQueue ? this.queues[spec.deadLetterQueue as QueueName] : undefined;
      this.queues[name] = new sqs.Queue(this, `Queue-${name}`, {
        queueName: physicalName(props.resourcePrefix, name),
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.key,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutS),
        retentionPeriod: Duration.days(spec.retentionDays),
        ...(deadLetter ? { deadLetterQueue: { queue: deadLetter, maxReceiveCount: spec.maxReceiveCount ?? 5 } } : {}),
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    // Log delivery is granted by a bucket policy (not the LogDeliveryWrite ACL): ACLs stay disabled everywhere.
    const storage = new Construct(this, 'Buckets');
    storage.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    this.accessLogs = new s3.Bucket(storage, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.buckets = {} as Record<BucketName, s3.Bucket>;
    for (const name of bucketNames) {
      const spec = buckets[name];
      this.buckets[name] = new s3.Bucket(storage, name, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        bucketKeyEnabled: true,
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ expiration: Duration.days(spec.retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${name}/`,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.topics = {} as Record<SnsTopicName, sns.Topic>;
    for (const name of snsTopicNames) {
      this.topics[name] = new sns.Topic(this, `Topic-${name}`, {
        topicName: physicalName(props.resourcePrefix, name),
        displayName: snsTopics[name].purpose.slice(0, 100),
        masterKey: this.key,
        enforceSSL: true,
      });
    }
  }
}

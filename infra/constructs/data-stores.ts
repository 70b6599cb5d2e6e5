/**
 * Tables, queues and SNS topics, created from the one catalog in shared/config/resources.ts: DynamoDB with
 * point-in-time recovery, customer-managed KMS encryption and TTL where declared; SQS with KMS,
 * TLS-only access and the declared dead-letter queues; SNS with KMS and TLS-only access.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
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

  constructor(scope: Construct, id: string, props: DataStoresProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'DataKey', {
      description: 'IONFLUX integration layer: tables and queues',
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

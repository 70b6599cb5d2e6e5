/**
 * The manifest's SNS topics locally, for `sns` triggers and for whatever plays the AWS service that
 * publishes to them (a fake SES, a test):
 * - embedded: a folder queue under IONFLUX_HOME/sns/<name> holding the notifications (SNS envelopes);
 * - moto (AWS_ENDPOINT_URL): the real topic, with an SQS queue `<name>-local` subscribed to it — moto
 *   delivers each publish to that queue as the SNS envelope, which the trigger hands to the function.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../shared/aws/client-config';
import { config } from '../shared/config/env';
import { physicalName, type SnsTopicName } from '../shared/config/resources';
import { EmbeddedQueue } from '../shared/queues/embedded-queue';
import type { Queue } from '../shared/queues/queue';
import { SqsQueue } from '../shared/queues/sqs-queue';
import { perEnvironment } from '../shared/runtime/per-environment';
import { sqsClient } from '../shared/runtime/queues';

/** The SNS notification as SNS delivers it to an SQS subscription (and as the embedded topic keeps it). */
export interface SnsEnvelope {
  Type: 'Notification';
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  UnsubscribeURL: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export interface LocalSnsTopic {
  name: SnsTopicName;
  arn: string;
  /** Publishes a message, as the AWS service (e.g. SES) would. */
  publish(message: string, subject?: string): Promise<string>;
  /** Where the notifications wait for the trigger. */
  subscription: Queue;
}

const adminSns = perEnvironment(
  () => new SNSClient(awsClientConfig(config())),
  (client) => client.destroy(),
);
const adminSqs = perEnvironment(
  () => new SQSClient(awsClientConfig(config())),
  (client) => client.destroy(),
);

const localArn = (name: string) => `arn:aws:sns:${config().aws.region}:000000000000:${name}`;

const topicCache = perEnvironment(() => new Map<SnsTopicName, Promise<LocalSnsTopic>>());

/** The topic (created, with its local subscription, when missing). */
export function localSnsTopic(name: SnsTopicName): Promise<LocalSnsTopic> {
  const cache = topicCache();
  let topic = cache.get(name);
  if (!topic) {
    topic = config().aws.enabled && config().aws.endpoint ? motoTopic(name) : Promise.resolve(embeddedTopic(name));
    topic.catch(() => cache.delete(name));
    cache.set(name, topic);
  }
  return topic;
}

function embeddedTopic(name: SnsTopicName): LocalSnsTopic {
  const cfg = config();
  const physical = physicalName(cfg.resourcePrefix, name);
  const arn = localArn(physical);
  const subscription = new EmbeddedQueue(`${physical}-local`, path.join(cfg.home, 'sns', physical), { visibilityTimeoutMs: 30_000 });
  return {
    name,
    arn,
    subscription,
    async publish(message, subject) {
      const envelope: SnsEnvelope = {
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: arn,
        ...(subject ? { Subject: subject } : {}),
        Message: message,
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
        Signature: 'LOCAL',
        SigningCertURL: '',
        UnsubscribeURL: '',
      };
      await subscription.send(JSON.stringify(envelope));
      return envelope.MessageId;
    },
  };
}

async function motoTopic(name: SnsTopicName): Promise<LocalSnsTopic> {
  const physical = physicalName(config().resourcePrefix, name);
  const { TopicArn } = await adminSns().send(new CreateTopicCommand({ Name: physical }));
  const queueName = `${physical}-local`;
  const { QueueUrl } = await adminSqs().send(new CreateQueueCommand({ QueueName: queueName, Attributes: { VisibilityTimeout: '30' } }));
  const attributes = await adminSqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  // Subscribing again with the same endpoint returns the existing subscription.
  await adminSns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: attributes.Attributes!.QueueArn! }));
  return {
    name,
    arn: TopicArn!,
    subscription: new SqsQueue(queueName, sqsClient()),
    async publish(message, subject) {
      const out = await adminSns().send(new PublishCommand({ TopicArn, Message: message, ...(subject ? { Subject: subject } : {}) }));
      return out.MessageId ?? '';
    },
  };
}

/**
 * The Queue contract on SQS (AWS, and moto in tests and `npm run dev`), with `@aws-sdk/client-sqs`. Every
 * call carries the deadline scope's abort signal; a long poll gets an attempt timeout of its own (its wait
 * plus the usual attempt timeout).
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AWS_ATTEMPT_TIMEOUT_MS, awsCallOptions } from '../aws/client-config';
import type { Queue, QueueMessage } from './queue';

export class SqsQueue implements Queue {
  private url?: Promise<string>;

  constructor(
    readonly name: string,
    private readonly client: SQSClient,
  ) {}

  queueUrl(): Promise<string> {
    this.url ??= this.client.send(new GetQueueUrlCommand({ QueueName: this.name }), awsCallOptions()).then((out) => {
      if (!out.QueueUrl) throw new Error(`SQS queue ${this.name} has no URL`);
      return out.QueueUrl;
    });
    this.url.catch(() => (this.url = undefined));
    return this.url;
  }

  async send(body: string, attributes: Record<string, string> = {}): Promise<string> {
    const QueueUrl = await this.queueUrl();
    const out = await this.client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: body,
        MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
      }),
      awsCallOptions(),
    );
    return out.MessageId ?? '';
  }

  async receive(max: number, waitMs = 0): Promise<QueueMessage[]> {
    const waitSeconds = Math.min(20, Math.floor(waitMs / 1000));
    const QueueUrl = await this.queueUrl();
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      awsCallOptions({ attemptTimeoutMs: waitSeconds * 1000 + AWS_ATTEMPT_TIMEOUT_MS }),
    );
    return (out.Messages ?? []).map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ''])),
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
      sentTimestamp: Number(m.Attributes?.SentTimestamp ?? Date.now()),
    }));
  }

  async delete(receiptHandle: string): Promise<void> {
    const QueueUrl = await this.queueUrl();
    await this.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: receiptHandle }), awsCallOptions());
  }

  async release(receiptHandle: string, delayMs = 0): Promise<void> {
    const QueueUrl = await this.queueUrl();
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.ceil(delayMs / 1000) }), awsCallOptions());
  }

  async depth(): Promise<number> {
    const QueueUrl = await this.queueUrl();
    const out = await this.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }), awsCallOptions());
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
  }
}

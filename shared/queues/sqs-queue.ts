/** The Queue contract on SQS (AWS, and moto in tests and `npm run dev`), over the lean JSON client. */
import type { AwsJsonClient } from '../aws/json-client';
import type { Queue, QueueMessage } from './queue';

interface SqsMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

export class SqsQueue implements Queue {
  private url?: Promise<string>;

  constructor(
    readonly name: string,
    private readonly client: AwsJsonClient,
  ) {}

  queueUrl(): Promise<string> {
    this.url ??= this.client.call<{ QueueUrl?: string }>('GetQueueUrl', { QueueName: this.name }).then((out) => {
      if (!out.QueueUrl) throw new Error(`SQS queue ${this.name} has no URL`);
      return out.QueueUrl;
    });
    this.url.catch(() => (this.url = undefined));
    return this.url;
  }

  async send(body: string, attributes: Record<string, string> = {}): Promise<string> {
    const out = await this.client.call<{ MessageId?: string }>('SendMessage', {
      QueueUrl: await this.queueUrl(),
      MessageBody: body,
      MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
    });
    return out.MessageId ?? '';
  }

  async receive(max: number, waitMs = 0): Promise<QueueMessage[]> {
    const waitSeconds = Math.min(20, Math.floor(waitMs / 1000));
    const out = await this.client.call<{ Messages?: SqsMessage[] }>(
      'ReceiveMessage',
      {
        QueueUrl: await this.queueUrl(),
        MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      },
      { timeoutMs: waitSeconds * 1000 + 10_000 },
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
    await this.client.call('DeleteMessage', { QueueUrl: await this.queueUrl(), ReceiptHandle: receiptHandle });
  }

  async release(receiptHandle: string, delayMs = 0): Promise<void> {
    await this.client.call('ChangeMessageVisibility', {
      QueueUrl: await this.queueUrl(),
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.ceil(delayMs / 1000),
    });
  }

  async depth(): Promise<number> {
    const out = await this.client.call<{ Attributes?: Record<string, string> }>('GetQueueAttributes', {
      QueueUrl: await this.queueUrl(),
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
  }
}

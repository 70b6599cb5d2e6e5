/** The event shapes AWS delivers to SQS-, SNS- and schedule-triggered functions, built for local invocations. */
import { createHash, randomUUID } from 'node:crypto';
import type { ScheduledEvent, SNSEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueMessage } from '../shared/queues/queue';

export function sqsEvent(queueName: string, messages: QueueMessage[], region = 'us-east-1'): SQSEvent {
  return {
    Records: messages.map(
      (m): SQSRecord => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentTimestamp),
          SenderId: 'LOCAL',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: Object.fromEntries(
          Object.entries(m.attributes).map(([k, v]) => [k, { stringValue: v, stringListValues: [], binaryListValues: [], dataType: 'String' }]),
        ),
        md5OfBody: createHash('md5').update(m.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${region}:000000000000:${queueName}`,
        awsRegion: region,
      }),
    ),
  };
}

export function scheduledEvent(ruleName: string, at: Date = new Date(), region = 'us-east-1'): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${ruleName}`],
    detail: {},
  };
}

/** The event SNS invokes a subscribed function with: one notification per invocation. */
export function snsEvent(
  envelope: { MessageId: string; TopicArn: string; Subject?: string; Message: string; Timestamp: string; SignatureVersion?: string; Signature?: string; SigningCertURL?: string; UnsubscribeURL?: string; MessageAttributes?: Record<string, { Type: string; Value: string }> },
): SNSEvent {
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: `${envelope.TopicArn}:${randomUUID()}`,
        EventSource: 'aws:sns',
        Sns: {
          Type: 'Notification',
          MessageId: envelope.MessageId,
          TopicArn: envelope.TopicArn,
          Subject: envelope.Subject ?? '',
          Message: envelope.Message,
          Timestamp: envelope.Timestamp,
          SignatureVersion: envelope.SignatureVersion ?? '1',
          Signature: envelope.Signature ?? 'LOCAL',
          SigningCertUrl: envelope.SigningCertURL ?? '',
          UnsubscribeUrl: envelope.UnsubscribeURL ?? '',
          MessageAttributes: envelope.MessageAttributes ?? {},
        },
      },
    ],
  };
}

/**
 * The alarms that say something accepted is not moving, published to one SNS topic operators subscribe
 * to (email, chat, paging): a message in any dead-letter queue (undeliverable after its retries; SQS
 * deletes it when the DLQ's retention ends, so it must be looked at; scheduled functions' failed runs land
 * in one too), and an outbox whose oldest message is older than 15 minutes (the drainer is failing or
 * Kafka is down: events wait there). The functions stack adds, on the same topic, an error-rate alarm
 * for every function and one for the HTTP API's 5xx answers (`functionErrorRateAlarm`, `api5xxAlarm`).
 * The topic is encrypted with the data key, which CloudWatch is allowed to use for it.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type QueueName, queueNames, queues, type QueueSpec } from '../../shared/config/resources';

export interface OperationsAlarmsProps {
  resourcePrefix: string;
  queues: Record<QueueName, sqs.Queue>;
  key: kms.Key;
  /** Age of the oldest outbox message that raises the alarm. */
  outboxMaxAge?: Duration;
}

export class OperationsAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `${props.resourcePrefix}-alarms`,
      displayName: 'IONFLUX integration layer alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    props.key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const notify = new actions.SnsAction(this.topic);

    const deadLetterQueues = new Set<QueueName>([
      ...queueNames.map((name) => (queues[name] as QueueSpec).deadLetterQueue).filter((q): q is QueueName => Boolean(q)),
      ...queueNames.filter((name) => (queues[name] as QueueSpec).holdsDeadLetters),
    ]);
    for (const name of deadLetterQueues) {
      const alarm = props.queues[name].metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }).createAlarm(this, `DeadLetters-${name}`, {
        alarmName: `${props.resourcePrefix}-${name}-not-empty`,
        alarmDescription: `Messages in ${name}: they could not be processed after their retries. Inspect, fix the cause, then redrive them to the source queue.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      this.alarms.push(alarm);
    }

    const maxAge = props.outboxMaxAge ?? Duration.minutes(15);
    const outboxAge = props.queues.outbox.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }).createAlarm(this, 'OutboxAge', {
      alarmName: `${props.resourcePrefix}-outbox-stalled`,
      alarmDescription: `The oldest outbox message is older than ${maxAge.toMinutes()} minutes: outbox-drain is failing or Kafka is unavailable; events are waiting, not lost.`,
      threshold: maxAge.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    outboxAge.addAlarmAction(notify);
    outboxAge.addOkAction(notify);
    this.alarms.push(outboxAge);
  }
}

const FIVE_MINUTES = Duration.minutes(5);

/** An alarm on a percentage computed over five minutes (`expression` of `metrics`), to the alarm topic. */
function rateAlarm(
  scope: Construct,
  id: string,
  props: { expression: string; metrics: Record<string, cloudwatch.IMetric>; label: string; alarmName: string; description: string; topic: sns.ITopic; thresholdPercent: number },
): cloudwatch.Alarm {
  const rate = new cloudwatch.MathExpression({ expression: props.expression, usingMetrics: props.metrics, period: FIVE_MINUTES, label: props.label });
  const alarm = rate.createAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    threshold: props.thresholdPercent,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(props.topic));
  return alarm;
}

/**
 * Errors (exceptions, timeouts: what Lambda counts as a failed invocation) as a share of invocations over
 * five minutes, alarmed at `thresholdPercent`: whatever triggers the function (HTTP, Kafka, schedule,
 * SQS), a function that starts failing is seen. One failed nightly run is 100 %.
 */
export function functionErrorRateAlarm(
  scope: Construct,
  fn: lambda.IFunction,
  props: { functionId: string; alarmName: string; topic: sns.ITopic; thresholdPercent: number },
): cloudwatch.Alarm {
  return rateAlarm(scope, 'ErrorRate', {
    expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
    metrics: { errors: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), invocations: fn.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }) },
    label: `${props.functionId} error rate (%)`,
    alarmName: props.alarmName,
    description: `${props.functionId}: more than ${props.thresholdPercent} % of its invocations failed (exception or timeout) in 5 minutes. Its log group says why.`,
    topic: props.topic,
    thresholdPercent: props.thresholdPercent,
  });
}

/**
 * 5xx answers of the HTTP API as a share of its requests over five minutes. HTTP functions answer their
 * own failures (503 when Kafka and the outbox are both down, 500 on a bug) as responses, which Lambda does
 * not count as errors: this alarm sees them.
 */
export function api5xxAlarm(scope: Construct, stage: apigw.IHttpStage, props: { alarmName: string; topic: sns.ITopic; thresholdPercent: number }): cloudwatch.Alarm {
  return rateAlarm(scope, 'Api5xxRate', {
    expression: 'IF(requests > 0, 100 * failures / requests, 0)',
    metrics: { failures: stage.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }), requests: stage.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }) },
    label: 'HTTP API 5xx rate (%)',
    alarmName: props.alarmName,
    description: `More than ${props.thresholdPercent} % of the HTTP API's answers were 5xx in 5 minutes (our failures, not the callers'). The access log names the routes; the functions' logs say why.`,
    topic: props.topic,
    thresholdPercent: props.thresholdPercent,
  });
}

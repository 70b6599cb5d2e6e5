/**
 * Alerts the functions raise as log lines (`{"alert": "<name>", …}` at error level): each becomes a
 * CloudWatch metric (a metric filter on the log group of every function that can raise it, made beside
 * that function, in its own stack or nested stack) and one alarm on the operations topic, beside the
 * dead-letter and outbox alarms.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { ManifestFunction } from './manifest-function';

export interface LogAlert {
  name: string;
  /** Manifest ids of the functions that can log it. */
  functions: string[];
  description: string;
}

export const logAlerts: LogAlert[] = [
  {
    name: 'whatsapp_number_paused',
    functions: ['whatsapp-send', 'webhook-whatsapp', 'webhooks-replay-parked'],
    description:
      'Meta limited a WhatsApp number for spam reports (error 131048): sends from it are paused (WHATSAPP_PAUSE_MINUTES). Check the number’s quality in WhatsApp Manager; the whatsapp.phone_number.paused event names it.',
  },
];

export class LogAlerts extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: { functions: Map<string, ManifestFunction>; topic: sns.ITopic; resourcePrefix: string }) {
    super(scope, id);
    for (const alert of logAlerts) {
      const metric = new cloudwatch.Metric({ namespace: 'IONFLUX/Alerts', metricName: alert.name, statistic: 'Sum', period: Duration.minutes(5) });
      for (const functionId of alert.functions) {
        const fn = props.functions.get(functionId);
        if (!fn) throw new Error(`log alert ${alert.name}: no function ${functionId} in the manifest`);
        new logs.MetricFilter(fn, `alert-${alert.name}`, {
          logGroup: fn.logGroup,
          filterPattern: logs.FilterPattern.stringValue('$.alert', '=', alert.name),
          metricNamespace: metric.namespace,
          metricName: metric.metricName,
          metricValue: '1',
        });
      }
      const alarm = metric.createAlarm(this, alert.name, {
        alarmName: `${props.resourcePrefix}-${alert.name.replace(/_/g, '-')}`,
        alarmDescription: alert.description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new actions.SnsAction(props.topic));
      this.alarms.push(alarm);
    }
  }
}

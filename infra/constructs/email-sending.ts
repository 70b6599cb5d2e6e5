/**
 * Amazon SES for the email service: the configuration set every message names, with an event
 * destination that publishes every sending event (send, delivery, bounce, complaint, reject, delay,
 * open, click, rendering failure, subscription) to the `email-events` SNS topic, which `webhook-ses-sns`
 * consumes. SES may use the data key of that (encrypted) topic, for this account's configuration set only.
 * Identities are verified outside CloudFormation (DNS records at the domain's provider); the functions may
 * send from those named in the `ionflux:sesIdentities` context only.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface EmailSendingProps {
  resourcePrefix: string;
  topic: sns.ITopic;
  key: kms.Key;
  identities: string[];
}

export class EmailSending extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly configurationSetName: string;
  readonly identities: string[];

  constructor(scope: Construct, id: string, props: EmailSendingProps) {
    super(scope, id);
    this.identities = props.identities;
    this.configurationSetName = `${props.resourcePrefix}-email`;
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: this.configurationSetName,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.configurationSet.addEventDestination('Events', {
      configurationSetEventDestinationName: 'ionflux-events',
      destination: ses.EventDestination.snsTopic(props.topic),
      events: [
        ses.EmailSendingEvent.SEND,
        ses.EmailSendingEvent.REJECT,
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.DELIVERY_DELAY,
        ses.EmailSendingEvent.RENDERING_FAILURE,
        ses.EmailSendingEvent.OPEN,
        ses.EmailSendingEvent.CLICK,
        ses.EmailSendingEvent.SUBSCRIPTION,
      ],
    });
    // Publishing to the encrypted topic needs the key: SES may use it on behalf of this account only.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }

  /** ARNs `ses:SendRawEmail` is granted on: the configured identities and the configuration set. */
  sendResources(): string[] {
    const arn = (resource: string) => `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    return [...this.identities.map((identity) => arn(`identity/${identity}`)), arn(`configuration-set/${this.configurationSetName}`)];
  }
}

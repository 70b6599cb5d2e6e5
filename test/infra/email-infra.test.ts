/**
 * What the CDK app builds for email: the SES configuration set with its SNS event destination (and the
 * key SES needs for that encrypted topic), the bulk queue with its DLQ and the worker's concurrency, SNS
 * delivery to webhook-ses-sns with an alarmed dead-letter queue, and least privilege — `ses:SendRawEmail`
 * only from the configured identities with the configuration set.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { functions } from '../../functions/manifest';
import { buildTestApp, functionsTemplate } from './build';

const { built } = buildTestApp({ context: { 'ionflux:sesIdentities': 'brand.example, news@other.example' } });
const platform = Template.fromStack(built.platform);
const fns = functionsTemplate(built);
const lambdaOf = (id: string) => Object.entries(fns.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { IONFLUX_FUNCTION_ID: id } } } }))[0]!;
const statementsOf = (id: string) => {
  const roleId = (lambdaOf(id)[1].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(fns.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
};
const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]] });

describe('email infrastructure', () => {
  it('publishes every SES sending event of the configuration set to the encrypted email-events topic', () => {
    platform.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'ionflux-email', ReputationOptions: { ReputationMetricsEnabled: true } });
    const [topicId] = Object.entries(platform.findResources('AWS::SNS::Topic')).find(([, t]) => t.Properties.TopicName === 'ionflux-email-events')!;
    platform.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'ionflux-email-events', KmsMasterKeyId: Match.anyValue() });
    platform.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: Match.stringLikeRegexp('ConfigurationSet') },
      EventDestination: { Enabled: true, SnsDestination: { TopicARN: { Ref: topicId } } },
    });
    const [destination] = Object.values(platform.findResources('AWS::SES::ConfigurationSetEventDestination'));
    expect([...destination!.Properties.EventDestination.MatchingEventTypes].sort()).toEqual(
      ['bounce', 'click', 'complaint', 'delivery', 'deliveryDelay', 'open', 'reject', 'renderingFailure', 'send', 'subscription'],
    );
    // SES may publish to it (this account's configuration set only) and use its key.
    const policy = JSON.stringify(platform.findResources('AWS::SNS::TopicPolicy'));
    expect(policy).toContain('ses.amazonaws.com');
    expect(policy).toMatch(/:configuration-set\/",\{"Ref":"EmailConfigurationSet/);
    expect(JSON.stringify(platform.findResources('AWS::KMS::Key'))).toContain('ses.amazonaws.com');
  });

  it('delivers the topic to webhook-ses-sns, with an alarmed dead-letter queue after Lambda’s retries', () => {
    const [fnId] = lambdaOf('webhook-ses-sns');
    fns.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': [fnId, 'Arn'] } });
    fns.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    expect(JSON.stringify(fns.findResources('AWS::Lambda::EventInvokeConfig'))).toMatch(/snsconsumerdlq/i);
    expect(JSON.stringify(platform.findResources('AWS::CloudWatch::Alarm'))).toContain('sns-consumer-dlq-not-empty');
  });

  it('queues bulk chunks with a dead-letter queue, and runs at most five workers at once', () => {
    const queues = platform.findResources('AWS::SQS::Queue');
    const [dlqId] = Object.entries(queues).find(([, q]) => q.Properties.QueueName === 'ionflux-email-bulk-dlq')!;
    platform.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'ionflux-email-bulk',
      VisibilityTimeout: 660,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 20 },
    });
    const [workerId] = lambdaOf('email-bulk-worker');
    fns.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: workerId }, BatchSize: 1, ScalingConfig: { MaximumConcurrency: 5 }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('lets only the sending functions send, from the configured identities with the configuration set', () => {
    const senders = functions.filter((f) => f.needs.includes('ses:send')).map((f) => f.id).sort();
    expect(senders).toEqual(['email-bulk-worker', 'email-send']);
    for (const id of senders) {
      const send = statementsOf(id).filter((s) => ([] as string[]).concat(s.Action).includes('ses:SendRawEmail'));
      expect(send).toEqual([{ Action: 'ses:SendRawEmail', Effect: 'Allow', Resource: [arn('identity/brand.example'), arn('identity/news@other.example'), arn('configuration-set/ionflux-email')] }]);
      expect(statementsOf(id).find((s) => s.Action === 'ses:GetSendQuota')).toMatchObject({ Resource: '*' });
      expect(lambdaOf(id)[1].Properties.Environment.Variables.IONFLUX_SES_CONFIGURATION_SET).toBe('ionflux-email');
    }
    for (const spec of functions.filter((f) => !f.needs.includes('ses:send'))) {
      expect(JSON.stringify(statementsOf(spec.id))).not.toContain('ses:');
      expect(lambdaOf(spec.id)[1].Properties.Environment.Variables.IONFLUX_SES_CONFIGURATION_SET).toBeUndefined();
    }
    // Without configured identities nothing may be sent (only the quota read).
    const bare = functionsTemplate(buildTestApp().built);
    expect(JSON.stringify(bare.findResources('AWS::IAM::Policy'))).not.toContain('ses:SendRawEmail');
  });

  it('generates the unsubscribe signing key with the email platform secret', () => {
    platform.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'ionflux/platform/email', GenerateSecretString: { GenerateStringKey: 'unsubscribe_signing_key' } });
  });
});

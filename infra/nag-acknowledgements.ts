/**
 * cdk-nag (AwsSolutions) findings we accept, each with the reason. Anything not listed here fails synth
 * and the infra tests.
 */
import { Validations } from 'aws-cdk-lib';
import type { IonfluxApp } from './build-app';

export function acknowledgeFindings({ platform, functions }: IonfluxApp): void {
  for (const secret of Object.values(platform.resources.secrets.secrets)) {
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Third-party API credentials (OpenAI, Shopify, …) are issued by the provider and rotated by operators there; no Lambda can rotate them.',
    });
  }
  const iam5 = (finding: string, reason: string) =>
    Validations.of(functions).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason });
  iam5('Resource::*', 'Only for ENI management of VPC-attached functions and X-Ray segments: neither API supports resource-level permissions.');
  iam5('Action::kms:GenerateDataKey*', 'Granted by CDK on our single data key (tables, queues) for encrypting writes; scoped to that key ARN.');
  iam5('Action::kms:ReEncrypt*', 'Granted by CDK on our single data key (tables, queues); scoped to that key ARN.');
  const bus = platform.resources.bus;
  iam5(
    `Resource::arn:<AWS::Partition>:kafka:<AWS::Region>:<AWS::AccountId>:topic/${bus.clusterName}/*/ionflux.*`,
    'Topics are per workspace (ionflux.shopify.ws_<id>.*) and created at run time; publishers are limited to the ionflux.* namespace of this one cluster (the * in the middle is the cluster UUID).',
  );
  for (const construct of functions.functions.values()) {
    const { trigger } = construct.spec;
    if ('kafka' in trigger) {
      Validations.of(construct.role).acknowledge({
        id: 'AwsSolutions-IAM4',
        reason: 'ManagedKafkaEventSource attaches AWSLambdaMSKExecutionRole, the AWS-maintained minimum the MSK event-source poller needs (ENIs, cluster describe).',
      });
    }
    if ('http' in trigger && trigger.http.auth !== 'iam') {
      Validations.of(construct).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          trigger.http.auth === 'signature'
            ? 'Provider webhook: the provider cannot sign with IAM; the handler verifies its HMAC/ECDSA signature on the raw body before anything else.'
            : 'Browser-facing OAuth redirect: the handler verifies the signed query (hmac, timestamp) and the single-use state.',
      });
    }
  }
}

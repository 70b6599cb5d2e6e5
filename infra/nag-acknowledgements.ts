/**
 * cdk-nag (AwsSolutions) findings we accept, each with its reason. Anything not listed here fails synth
 * and the infra tests; test/infra/cdk-nag.test.ts also checks that every reason says something.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { type QueueSpec, queueNames, queues } from '../shared/config/resources';
import type { IonfluxApp } from './build-app';

export interface NagAcknowledgement {
  scope: IConstruct;
  id: string;
  reason: string;
}

export function nagAcknowledgements({ platform, functions }: IonfluxApp): NagAcknowledgement[] {
  const acks: NagAcknowledgement[] = [];
  for (const [provider, secret] of Object.entries(platform.resources.secrets.secrets)) {
    acks.push({
      scope: secret,
      id: 'AwsSolutions-SMG4',
      reason:
        provider === 'email'
          ? 'The unsubscribe signing key is generated at creation; links already in recipients\' mailboxes must keep working, so it is rotated by operators with previous_unsubscribe_signing_key kept during the overlap, not on a schedule.'
          : 'Third-party API credentials (OpenAI, Shopify, ...) are issued by the provider and rotated by operators there; no Lambda can rotate them.',
    });
  }
  for (const name of queueNames.filter((q) => (queues[q] as QueueSpec).holdsDeadLetters)) {
    acks.push({
      scope: platform.resources.data.queues[name],
      id: 'AwsSolutions-SQS3',
      reason: `It is a dead-letter queue: ${queues[name].purpose} (cdk-nag only recognises queues named in another queue's redrive policy). Alarmed when not empty.`,
    });
  }
  const iam5 = (finding: string, reason: string) => acks.push({ scope: functions, id: `AwsSolutions-IAM5[${finding}]`, reason });
  iam5('Resource::*', 'Only for ENI management of VPC-attached functions, X-Ray segments and ses:GetSendQuota: none of these APIs supports resource-level permissions.');
  iam5('Action::kms:GenerateDataKey*', 'Granted by CDK on our single data key (tables, queues) for encrypting writes; scoped to that key ARN.');
  iam5('Action::kms:ReEncrypt*', 'Granted by CDK on our single data key (tables, queues); scoped to that key ARN.');
  for (const bucket of Object.values(platform.resources.data.buckets)) {
    const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnBucket);
    iam5(
      `Resource::<${logicalId}.Arn>/*`,
      'Objects are written at run time under keys derived from content hashes (tts/<workspace>/<sha256>.<ext>); the statement allows only GetObject and PutObject on that one bucket (no delete).',
    );
  }
  const bus = platform.resources.bus;
  const lookupRole = bus.bootstrapLookup.grantPrincipal;
  if (lookupRole instanceof Construct) {
    acks.push({
      scope: lookupRole,
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK’s AwsCustomResource provider (deploy-time kafka:GetBootstrapBrokers) writes its own logs with the AWS-maintained basic execution policy; its only other permission is that one call on this cluster.',
    });
  }
  iam5(
    `Resource::arn:<AWS::Partition>:kafka:<AWS::Region>:<AWS::AccountId>:topic/${bus.clusterName}/*/ionflux.*`,
    'Topics are per workspace (ionflux.shopify.ws_<id>.*) and created at run time; publishers are limited to the ionflux.* namespace of this one cluster (the * in the middle is the cluster UUID).',
  );
  for (const construct of functions.functions.values()) {
    const { trigger, needs } = construct.spec;
    if (needs.includes('workspace-secrets') || needs.includes('workspace-secrets:write')) {
      iam5(
        `Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${platform.resources.secretRoot}/workspaces/*`,
        'Workspace secrets are created per workspace at run time under <root>/workspaces/<id>/; the SecretResolver only follows mappings inside the calling workspace’s own prefix.',
      );
    }
    for (const need of needs) {
      if (!need.startsWith('connection-tokens:')) continue;
      const provider = need.slice('connection-tokens:'.length);
      iam5(
        `Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${platform.resources.secretRoot}/connections/${provider}/*`,
        `Each connected ${provider} account gets its token secret at run time, <root>/connections/${provider}/<workspace>/<account>; the statement covers that provider's connection tokens only, never a workspace's own keys.`,
      );
    }
    if ('kafka' in trigger) {
      acks.push({
        scope: construct.role,
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
        reason: 'ManagedKafkaEventSource attaches AWSLambdaMSKExecutionRole, the AWS-maintained minimum the MSK event-source poller needs (ENIs, cluster describe).',
      });
      const arn = (kind: 'topic' | 'group', name: string) => `arn:<AWS::Partition>:kafka:<AWS::Region>:<AWS::AccountId>:${kind}/${bus.clusterName}/*/${name}`;
      const uuid = 'The only wildcard is the cluster UUID segment of the ARN, unknown until the MSK Serverless cluster exists; the name is exact.';
      for (const topic of trigger.kafka.topics) iam5(`Resource::${arn('topic', topic)}`, `Consumer reads topic ${topic}. ${uuid}`);
      for (const group of functions.consumerGroups.get(construct.spec.id)!) iam5(`Resource::${arn('group', group)}`, `Consumer group of ${construct.spec.id}. ${uuid}`);
    }
    const routes = functions.routes.get(construct.spec.id) ?? [];
    if ('http' in trigger && trigger.http.auth !== 'iam') for (const route of routes) {
      acks.push({
        scope: route,
        id: 'AwsSolutions-APIG4',
        reason:
          trigger.http.auth === 'signature'
            ? 'Provider webhook: the provider cannot sign with IAM; the handler verifies its HMAC/ECDSA signature on the raw body before anything else.'
            : 'Browser-facing OAuth redirect: the handler verifies the signed query (hmac, timestamp) and the single-use state.',
      });
    }
  }
  // The same finding id may be listed once per scope only.
  const seen = new Set<string>();
  return acks.filter((a) => {
    const key = `${a.scope.node.path}|${a.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function acknowledgeFindings(app: IonfluxApp): NagAcknowledgement[] {
  const acks = nagAcknowledgements(app);
  for (const { scope, id, reason } of acks) Validations.of(scope).acknowledge({ id, reason });
  return acks;
}

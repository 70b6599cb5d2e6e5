/**
 * The long-lived platform: network, event bus (MSK Serverless), data (DynamoDB tables, SQS queues, SNS
 * topics, KMS), platform secrets, the alarms on the queues (dead letters, a stalled outbox), and SES
 * (the email configuration set and its event destination). Functions live in their own stack so they deploy independently.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataStores } from '../constructs/data-stores';
import { EmailSending } from '../constructs/email-sending';
import { EventBus } from '../constructs/event-bus';
import { Network } from '../constructs/network';
import { OperationsAlarms } from '../constructs/operations-alarms';
import { PlatformSecrets } from '../constructs/platform-secrets';
import type { DeploymentSettings } from '../settings';

export interface PlatformResources {
  network: Network;
  bus: EventBus;
  data: DataStores;
  secrets: PlatformSecrets;
  secretRoot: string;
  alarms: OperationsAlarms;
  email: EmailSending;
}

export class PlatformStack extends Stack {
  readonly resources: PlatformResources;

  constructor(scope: Construct, id: string, settings: DeploymentSettings, props?: StackProps) {
    super(scope, id, { description: 'IONFLUX integration layer: network, event bus, data and secrets', ...props });
    const network = new Network(this, 'Network', { logRetentionDays: settings.logRetentionDays });
    const bus = new EventBus(this, 'EventBus', {
      vpc: network.vpc,
      endpoints: network.endpoints,
      clientSecurityGroup: network.functionsSecurityGroup,
      clusterName: `${settings.resourcePrefix}-events`,
    });
    const data = new DataStores(this, 'Data', { resourcePrefix: settings.resourcePrefix });
    const secrets = new PlatformSecrets(this, 'Secrets', { secretRoot: settings.secretRoot, key: data.key });
    new CfnOutput(this, 'DataKeyArn', {
      value: data.key.keyArn,
      description: 'KMS data key: tables, queues, secrets. Operators creating secrets (ionflux secrets set) pass it as IONFLUX_SECRETS_KMS_KEY_ID.',
    });
    const alarms = new OperationsAlarms(this, 'Alarms', { resourcePrefix: settings.resourcePrefix, queues: data.queues, key: data.key });
    const email = new EmailSending(this, 'Email', { resourcePrefix: settings.resourcePrefix, topic: data.topics['email-events'], key: data.key, identities: settings.sesIdentities });
    this.resources = { network, bus, data, secrets, secretRoot: settings.secretRoot, alarms, email };
  }
}

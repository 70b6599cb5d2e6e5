/**
 * The central event bus: an MSK Serverless cluster (IAM authentication only, TLS on 9098) in the private
 * subnets. Publishing functions reach it from the functions security group; MSK event-source pollers
 * use the cluster's own security group (self-referencing rule, as Lambda requires). The bootstrap
 * string (not a CloudFormation attribute of MSK Serverless) is looked up once at deploy time, so no
 * function spends its cold start on kafka:GetBootstrapBrokers and the MSK SDK client.
 */
import { Aws } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';

export interface EventBusProps {
  vpc: ec2.IVpc;
  /** Interface endpoints (Lambda, STS…) the MSK event-source pollers call from the cluster's subnets. */
  endpoints: ec2.InterfaceVpcEndpoint[];
  clientSecurityGroup: ec2.ISecurityGroup;
  clusterName: string;
}

export class EventBus extends Construct {
  readonly clusterArn: string;
  readonly clusterName: string;
  /** `host:9098,…` of the IAM listener, resolved at deploy time. */
  readonly bootstrapBrokers: string;
  /** The deploy-time lookup (a CDK-managed singleton function runs it). */
  readonly bootstrapLookup: cr.AwsCustomResource;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: EventBusProps) {
    super(scope, id);
    this.clusterName = props.clusterName;
    this.securityGroup = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc: props.vpc,
      description: 'MSK Serverless cluster of the IONFLUX event bus',
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(9098), 'Kafka clients with IAM auth (IONFLUX functions)');
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.allTcp(), 'MSK event-source pollers (self-referencing, required by Lambda)');
    for (const endpoint of props.endpoints) endpoint.connections.allowDefaultPortFrom(this.securityGroup, 'MSK event-source pollers');
    const cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
      clusterName: props.clusterName,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [
        {
          subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
          securityGroups: [this.securityGroup.securityGroupId],
        },
      ],
    });
    this.clusterArn = cluster.attrArn;

    const lookup = {
      service: 'Kafka',
      action: 'GetBootstrapBrokers',
      parameters: { ClusterArn: this.clusterArn },
      physicalResourceId: cr.PhysicalResourceId.of(`${props.clusterName}-bootstrap-brokers`),
      outputPaths: ['BootstrapBrokerStringSaslIam'],
    };
    const bootstrap = (this.bootstrapLookup = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      onCreate: lookup,
      onUpdate: lookup,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.clusterArn] }),
      installLatestAwsSdk: false,
    }));
    this.bootstrapBrokers = bootstrap.getResponseField('BootstrapBrokerStringSaslIam');
  }

  /** ARN pattern of topics (or consumer groups) of this cluster, e.g. `ionflux.*`. */
  resourceArn(kind: 'topic' | 'group', pattern: string): string {
    return `arn:${Aws.PARTITION}:kafka:${Aws.REGION}:${Aws.ACCOUNT_ID}:${kind}/${this.clusterName}/*/${pattern}`;
  }

  /** Connect, describe/create topics and write to `ionflux.*` topics (publishers). */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kafka-cluster:Connect'], resources: [this.clusterArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:CreateTopic', 'kafka-cluster:WriteData'],
        resources: [this.resourceArn('topic', 'ionflux.*')],
      }),
    );
  }

  /** What an MSK event source mapping needs on top of AWSLambdaMSKExecutionRole, for IAM auth. */
  grantConsume(grantee: iam.IGrantable, topics: string[], consumerGroups: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kafka-cluster:Connect', 'kafka:DescribeClusterV2'], resources: [this.clusterArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: topics.map((t) => this.resourceArn('topic', t)),
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resources: consumerGroups.map((group) => this.resourceArn('group', group)),
      }),
    );
  }
}

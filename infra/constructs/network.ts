/**
 * The VPC that Kafka-publishing functions and the MSK cluster share: private subnets with egress (one NAT
 * gateway reaches provider APIs such as OpenAI and Shopify), gateway endpoints for DynamoDB and S3, and
 * interface endpoints for the AWS APIs those functions and the MSK event-source pollers call.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  logRetentionDays: number;
}

export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** Attached to every VPC function; the only source the MSK cluster accepts clients from. */
  readonly functionsSecurityGroup: ec2.SecurityGroup;
  readonly endpoints: ec2.InterfaceVpcEndpoint[] = [];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: {
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL },
      },
    });
    const interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      Sqs: ec2.InterfaceVpcEndpointAwsService.SQS,
      Sts: ec2.InterfaceVpcEndpointAwsService.STS,
      // MSK event-source pollers reach Lambda and STS from the cluster's subnets.
      Lambda: ec2.InterfaceVpcEndpointAwsService.LAMBDA,
      // kafka:GetBootstrapBrokers from the publishing functions.
      Kafka: ec2.InterfaceVpcEndpointAwsService.KAFKA,
    };
    this.functionsSecurityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc: this.vpc,
      description: 'IONFLUX functions attached to the VPC (Kafka producers)',
      allowAllOutbound: true,
    });
    for (const [name, service] of Object.entries(interfaceEndpoints)) {
      // Not open to the whole VPC CIDR: only our functions and the MSK cluster (its event-source pollers) may call.
      const endpoint = this.vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        open: false,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      });
      this.endpoints.push(endpoint);
      endpoint.connections.allowDefaultPortFrom(this.functionsSecurityGroup, 'IONFLUX functions');
    }
  }
}

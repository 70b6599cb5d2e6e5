/**
 * One Lambda function from one manifest entry: NodejsFunction (esbuild, minified, source maps, arm64,
 * Node 24), its own log group and role, and least-privilege grants derived from `needs`.
 */
import path from 'node:path';
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec, Need } from '../../functions/manifest-types';
import { type BucketName, bucketEnvironmentVariable, type QueueName, type TableName } from '../../shared/config/resources';
import type { PlatformProvider } from '../../shared/secrets/names';
import type { PlatformResources } from '../stacks/platform-stack';

export const projectRoot = path.resolve(__dirname, '..', '..');

/** esbuild options shared by CDK and the bundle benchmark, so the benchmark measures what ships. */
export const bundlingOptions: nodejs.BundlingOptions = {
  minify: true,
  // Class and function names survive minification: logged errors say StorageError, not `pt`.
  keepNames: true,
  sourceMap: true,
  sourceMapMode: nodejs.SourceMapMode.DEFAULT,
  sourcesContent: false,
  target: 'node24',
  format: nodejs.OutputFormat.CJS,
  mainFields: ['module', 'main'],
  // Node 24 require()s ESM packages that export a `module-sync` condition (music-metadata has no other for
  // require); esbuild resolves them the same way only when told. `module` stays, as by default.
  esbuildArgs: { '--conditions': 'module-sync,module' },
  // Code only the local runtime runs (embedded stores) is left out of what ships: it checks this constant.
  define: { 'process.env.IONFLUX_LAMBDA_BUNDLE': JSON.stringify('true') },
  // The AWS SDK v3 is bundled (tree-shaken) rather than taken from the runtime: measured no slower at
  // cold start (`npm run bench -- bundles --sdk both`, docs/benchmarks.md), and the version that runs is
  // the one the tests ran — our deadlines rely on SDK features (throwOnRequestTimeout, abortable retries)
  // a runtime's older copy may lack. Nothing is left to the runtime.
  externalModules: [],
};

export interface ManifestFunctionProps {
  spec: FunctionSpec;
  platform: PlatformResources;
  logRetentionDays: number;
  environment: Record<string, string>;
  functionName: string;
  /** Concurrency set aside for this function alone (webhooks: see DeploymentSettings). */
  reservedConcurrency?: number;
}

export class ManifestFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly needsVpc: boolean;
  readonly spec: FunctionSpec;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ManifestFunctionProps) {
    super(scope, id);
    const { spec, platform } = props;
    this.spec = spec;
    this.needsVpc = spec.needs.includes('kafka');

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup = logGroup;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: cloudFormationText(`IONFLUX ${spec.id}: ${spec.description}`, 1000),
    });
    logGroup.grantWrite(this.role);
    if (this.needsVpc) {
      // What AWSLambdaVPCAccessExecutionRole grants, inline: the EC2 network-interface API has no resource-level scoping.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    const environment: Record<string, string> = {
      ...props.environment,
      IONFLUX_FUNCTION_ID: spec.id,
      POWERTOOLS_SERVICE_NAME: spec.id,
      NODE_OPTIONS: '--enable-source-maps --disable-warning=TimeoutNegativeWarning',
    };
    if (spec.needs.includes('ses:send')) environment.IONFLUX_SES_CONFIGURATION_SET = platform.email.configurationSetName;
    for (const need of spec.needs) {
      if (!need.startsWith('s3:')) continue;
      const bucket = need.slice('s3:'.length) as BucketName;
      environment[bucketEnvironmentVariable(bucket)] = platform.data.buckets[bucket].bucketName;
    }
    if (this.needsVpc) {
      // Brokers resolved at deploy time (see EventBus); the cluster ARN is informational for operators.
      environment.KAFKA_BROKERS = platform.bus.bootstrapBrokers;
      environment.KAFKA_AUTH = 'iam';
      environment.KAFKA_CLUSTER_ARN = platform.bus.clusterArn;
    }

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: cloudFormationText(spec.description, 256),
      entry: path.join(projectRoot, spec.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutS),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup,
      environment,
      bundling: bundlingOptions,
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      ...(this.needsVpc
        ? {
            vpc: platform.network.vpc,
            vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
            securityGroups: [platform.network.functionsSecurityGroup],
          }
        : {}),
    });

    for (const need of spec.needs) this.grant(need, platform);
  }

  /** Use of the data key for secrets only: through Secrets Manager, in this account and region. */
  private grantSecretsKey(platform: PlatformResources, actions: string[]): void {
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [platform.data.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }

  /** A function that creates secrets creates them under the data key (SecretsManagerStore passes KmsKeyId). */
  private useDataKeyForNewSecrets(platform: PlatformResources): void {
    this.grantSecretsKey(platform, ['kms:Decrypt', 'kms:GenerateDataKey']);
    this.fn.addEnvironment('IONFLUX_SECRETS_KMS_KEY_ID', platform.data.key.keyArn);
  }

  private grant(need: Need, platform: PlatformResources): void {
    const { data } = platform;
    if (need === 'kafka') {
      platform.bus.grantPublish(this.role);
      // The publisher falls back to the outbox when Kafka cannot take events in time.
      data.queues.outbox.grantSendMessages(this.role);
      return;
    }
    if (need === 'workspace-secrets') {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [`arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${platform.secretRoot}/workspaces/*`],
        }),
      );
      // Workspace keys created with the data key (ionflux secrets set with IONFLUX_SECRETS_KMS_KEY_ID).
      this.grantSecretsKey(platform, ['kms:Decrypt']);
      data.tables.workspaces.grantReadData(this.role);
      return;
    }
    if (need === 'ses:send') {
      // Raw sends from the configured identities, with the email configuration set; nothing else in SES.
      const resources = platform.email.sendResources();
      if (platform.email.identities.length) this.role.addToPolicy(new iam.PolicyStatement({ actions: ['ses:SendRawEmail'], resources }));
      // GetSendQuota has no resource-level permissions.
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['ses:GetSendQuota'], resources: ['*'] }));
      return;
    }
    if (need === 'workspace-secrets:write') {
      // The credentials API: a workspace's own keys only, never platform keys or connection tokens.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'secretsmanager:GetSecretValue',
            'secretsmanager:DescribeSecret',
            'secretsmanager:CreateSecret',
            'secretsmanager:PutSecretValue',
            'secretsmanager:DeleteSecret',
            'secretsmanager:TagResource',
          ],
          resources: [`arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${platform.secretRoot}/workspaces/*`],
        }),
      );
      this.useDataKeyForNewSecrets(platform);
      return;
    }
    if (need.startsWith('connection-tokens:')) {
      // Only this provider's connection tokens (<root>/connections/<provider>/<workspace>/<account>): such a
      // function cannot read or replace a workspace's own keys or another provider's tokens.
      const provider = need.slice('connection-tokens:'.length);
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource'],
          resources: [`arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${platform.secretRoot}/connections/${provider}/*`],
        }),
      );
      this.useDataKeyForNewSecrets(platform);
      return;
    }
    const [kind, name, mode] = need.split(':') as [string, string, string | undefined];
    switch (kind) {
      case 'dynamodb': {
        const table = data.tables[name as TableName];
        if (mode === 'read') table.grantReadData(this.role);
        else table.grantReadWriteData(this.role);
        return;
      }
      case 'sqs':
        data.queues[name as QueueName].grantSendMessages(this.role);
        return;
      case 's3': {
        // Read (HeadObject, GetObject: presigned URLs act as this role) and write objects; ListBucket so a
        // missing object is a 404, not a 403 (the cache asks for objects that may not exist). No delete.
        const bucket = data.buckets[name as BucketName];
        this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [bucket.arnForObjects('*')] }));
        this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
        bucket.encryptionKey?.grant(this.role, 'kms:Decrypt', 'kms:GenerateDataKey');
        return;
      }
      case 'secret':
        // Not Secret.grantRead: with a customer-managed key it would add this role to the key's policy in
        // the platform stack (a cycle between the stacks). The key policy trusts the account's IAM instead.
        this.role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            resources: [platform.secrets.secrets[name as PlatformProvider].secretArn],
          }),
        );
        this.grantSecretsKey(platform, ['kms:Decrypt']);
        return;
      default:
        throw new Error(`function ${this.node.id}: unknown need "${need}"`);
    }
  }
}

/** `<prefix>-<id>`, within Lambda's 64-character limit. */
export function functionName(prefix: string, id: string): string {
  const name = `${prefix}-${id}`;
  if (name.length > 64) throw new Error(`function name ${name} is longer than 64 characters`);
  return name;
}

export const stackOf = (c: Construct) => Stack.of(c);

/** IAM and Lambda descriptions accept Latin-1 only: typographic quotes and ellipses become ASCII. */
export function cloudFormationText(text: string, max: number): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[^\u0009\u000a\u000d\u0020-\u007e\u00a1-\u00ff]/g, '?')
    .slice(0, max);
}

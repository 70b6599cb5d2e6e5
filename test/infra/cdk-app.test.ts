/** The important properties of the synthesized templates (aws-cdk-lib/assertions). */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { functions } from '../../functions/manifest';
import { DEFAULT_SQS_MAX_CONCURRENCY, isHttp, isKafka, isSchedule, isSqs } from '../../functions/manifest-types';
import { bucketNames, buckets, type QueueName, queueNames, queues, type QueueSpec, tableNames } from '../../shared/config/resources';
import { generatedSecretFields, platformProviders } from '../../shared/secrets/names';
import { buildTestApp, functionsTemplate } from './build';

const { built } = buildTestApp();
const platform = Template.fromStack(built.platform);
const fns = functionsTemplate(built);

describe('CDK app', () => {
  it('creates one Lambda per manifest entry, Node 24 on arm64 with tracing and source maps', () => {
    const lambdas = fns.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { IONFLUX_FUNCTION_ID: Match.anyValue() } } } });
    expect(Object.keys(lambdas)).toHaveLength(functions.length);
    for (const resource of Object.values(lambdas)) {
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: expect.objectContaining({ IONFLUX_BACKEND: 'aws', NODE_OPTIONS: expect.stringContaining('--enable-source-maps') }) },
      });
    }
    const ids = Object.values(lambdas).map((r) => r.Properties.Environment.Variables.IONFLUX_FUNCTION_ID).sort();
    expect(ids).toEqual(functions.map((f) => f.id).sort());
  });

  it('puts internal routes behind IAM and leaves webhook/OAuth routes to the handler', () => {
    const routes = fns.findResources('AWS::ApiGatewayV2::Route');
    const byKey = Object.fromEntries(Object.values(routes).map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType ?? 'NONE']));
    for (const spec of functions.filter((f) => isHttp(f.trigger))) {
      const { method, path, auth } = (spec.trigger as { http: { method: string; path: string; auth: string } }).http;
      expect(byKey[`${method} ${path}`]).toBe(auth === 'iam' ? 'AWS_IAM' : 'NONE');
    }
    expect(Object.keys(routes)).toHaveLength(functions.filter((f) => isHttp(f.trigger)).length);
  });

  it('logs API access and throttles the stage', () => {
    fns.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
  });

  it('runs Kafka on MSK Serverless with IAM authentication only', () => {
    platform.resourceCountIs('AWS::MSK::ServerlessCluster', 1);
    platform.hasResourceProperties('AWS::MSK::ServerlessCluster', { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } });
  });

  it('encrypts and protects every table with PITR, and expires dedup records by TTL', () => {
    platform.resourceCountIs('AWS::DynamoDB::Table', tableNames.length);
    for (const table of Object.values(platform.findResources('AWS::DynamoDB::Table'))) {
      expect(table.Properties).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        DeletionProtectionEnabled: true,
      });
    }
    platform.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'ionflux-webhook-dedup',
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
    });
  });

  it('keeps buckets private: KMS-encrypted, TLS only, no public access, objects expiring, access logged', () => {
    platform.resourceCountIs('AWS::S3::Bucket', bucketNames.length + 1);
    for (const name of bucketNames) {
      platform.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: buckets[name].retentionDays, Status: 'Enabled' })]) },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: `${name}/` },
      });
    }
    // Every bucket (the log bucket too) refuses plain HTTP.
    const policies = Object.values(platform.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(bucketNames.length + 1);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  it('gives the bucket name (and object read/write, no delete) only to functions that need the bucket', () => {
    const lambdas = Object.values(fns.findResources('AWS::Lambda::Function'));
    const withBucket = lambdas.filter((l) => l.Properties.Environment?.Variables?.IONFLUX_BUCKET_AUDIO).map((l) => l.Properties.Environment.Variables.IONFLUX_FUNCTION_ID);
    expect(withBucket).toEqual(functions.filter((f) => f.needs.includes('s3:audio')).map((f) => f.id));
    const statements = Object.values(fns.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
    const s3Actions = new Set(statements.flatMap((st) => [st.Action].flat()).filter((a) => a.startsWith('s3:')));
    expect([...s3Actions].sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
  });

  it('gives the outbox an encrypted dead-letter queue, reached only after hours of failed drains', () => {
    const queues = platform.findResources('AWS::SQS::Queue');
    const dlq = Object.entries(queues).find(([, q]) => q.Properties.QueueName === 'ionflux-outbox-dlq');
    expect(dlq).toBeDefined();
    platform.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'ionflux-outbox',
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq![0], 'Arn'] }, maxReceiveCount: 100 },
      VisibilityTimeout: 180,
    });
  });

  it('creates every platform secret under ionflux/platform/: empty, or with the key the platform makes itself generated', () => {
    for (const provider of platformProviders) {
      const generated = generatedSecretFields[provider];
      platform.hasResourceProperties(
        'AWS::SecretsManager::Secret',
        generated
          ? { Name: `ionflux/platform/${provider}`, GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: generated, PasswordLength: 64 }, SecretString: Match.absent() }
          : { Name: `ionflux/platform/${provider}`, SecretString: '{}' },
      );
    }
  });

  it('lets functions write connection tokens only (their own provider\'s), and workspace keys only through the credentials API', () => {
    const writes: string[] = [];
    for (const policy of Object.values(fns.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>) {
        const actions = ([] as string[]).concat(statement.Action);
        if (actions.some((a) => a === 'secretsmanager:PutSecretValue' || a === 'secretsmanager:CreateSecret')) writes.push(JSON.stringify(statement.Resource));
      }
    }
    expect(writes.length).toBeGreaterThan(0);
    const workspaceKeyWrites = writes.filter((r) => r.includes(':secret:ionflux/workspaces/*"'));
    expect(workspaceKeyWrites).toHaveLength(functions.filter((f) => f.needs.includes('workspace-secrets:write')).length);
    for (const resource of writes.filter((r) => !workspaceKeyWrites.includes(r))) expect(resource).toMatch(/:secret:ionflux\/connections\/(shopify|tiktok|whatsapp)\/\*"/);
    // Workspace keys (read by the LLM functions) and connection tokens are disjoint paths.
    const reads = Object.values(fns.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Array<{ Resource: unknown }>).map((st) => JSON.stringify(st.Resource)),
    );
    expect(reads.some((r) => r.includes(':secret:ionflux/workspaces/*'))).toBe(true);
    expect(reads.filter((r) => r.includes(':secret:ionflux/connections/') || r.includes(':secret:ionflux/*') || r.includes(':secret:*'))).toEqual(
      reads.filter((r) => /:secret:ionflux\/connections\/(shopify|tiktok|whatsapp)\/\*"/.test(r)),
    );
  });

  it('wires every non-HTTP trigger from the manifest', () => {
    const sqs = functions.filter((f) => isSqs(f.trigger)).length;
    const kafka = functions.filter((f) => isKafka(f.trigger)).reduce((n, f) => n + (f.trigger as { kafka: { topics: string[] } }).kafka.topics.length, 0);
    const mappings = Object.values(fns.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings.filter((m) => m.Properties.Topics)).toHaveLength(kafka);
    expect(mappings.filter((m) => !m.Properties.Topics)).toHaveLength(sqs);
    for (const m of mappings) expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    // A Kafka record that still fails after the retries is recorded in an alarmed queue, not skipped silently.
    for (const m of mappings.filter((x) => x.Properties.Topics)) {
      expect(JSON.stringify(m.Properties.DestinationConfig?.OnFailure?.Destination)).toMatch(/kafkaconsumerdlq/i);
    }
    expect(JSON.stringify(platform.findResources('AWS::CloudWatch::Alarm'))).toContain('kafka-consumer-dlq-not-empty');
    expect(Object.keys(fns.findResources('AWS::Events::Rule'))).toHaveLength(functions.filter((f) => isSchedule(f.trigger)).length);
  });

  it('attaches only Kafka publishers to the VPC, and lets them reach the cluster', () => {
    const lambdas = Object.values(fns.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { IONFLUX_FUNCTION_ID: Match.anyValue() } } } }));
    for (const lambda of lambdas) {
      const spec = functions.find((f) => f.id === lambda.Properties.Environment.Variables.IONFLUX_FUNCTION_ID)!;
      expect(Boolean(lambda.Properties.VpcConfig)).toBe(spec.needs.includes('kafka'));
      expect(Boolean(lambda.Properties.Environment.Variables.KAFKA_CLUSTER_ARN)).toBe(spec.needs.includes('kafka'));
      if (spec.needs.includes('kafka')) {
        // The IAM listener's bootstrap string, resolved once at deploy time (a cross-stack import).
        expect(lambda.Properties.Environment.Variables.KAFKA_AUTH).toBe('iam');
        expect(JSON.stringify(lambda.Properties.Environment.Variables.KAFKA_BROKERS)).toMatch(/Fn::ImportValue.*BootstrapBrokers/);
      } else expect(lambda.Properties.Environment.Variables.KAFKA_BROKERS).toBeUndefined();
    }
    platform.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 9098, ToPort: 9098, IpProtocol: 'tcp' });
  });

  it('looks the bootstrap brokers up at deploy time, allowed on this cluster only', () => {
    const lookups = Object.values(platform.findResources('Custom::AWS')).map((r) => JSON.stringify(r.Properties));
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toContain('GetBootstrapBrokers');
    const policies = Object.values(platform.findResources('AWS::IAM::Policy')).map((p) => p.Properties.PolicyDocument.Statement).flat();
    const grant = policies.find((s: { Action: string }) => s.Action === 'kafka:GetBootstrapBrokers');
    expect(grant.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/EventBusCluster/), 'Arn'] });
  });

  it('raises an alarm on any dead letter and on a stalled outbox, to an encrypted topic CloudWatch can use', () => {
    const topics = Object.entries(platform.findResources('AWS::SNS::Topic')).filter(([, t]) => t.Properties.TopicName === 'ionflux-alarms');
    expect(topics).toHaveLength(1);
    const [topicId, topic] = topics[0]!;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    const alarms = Object.values(platform.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const deadLetterQueues = new Set([
      ...queueNames.map((n) => (queues[n] as QueueSpec).deadLetterQueue).filter((q): q is QueueName => Boolean(q)),
      ...queueNames.filter((n) => (queues[n] as QueueSpec).holdsDeadLetters),
    ]);
    expect(deadLetterQueues.has('kafka-consumer-dlq')).toBe(true);
    const onDlq = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(onDlq).toHaveLength(deadLetterQueues.size);
    for (const alarm of onDlq) expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [{ Ref: topicId }] });
    expect(alarms.find((a) => a.MetricName === 'ApproximateAgeOfOldestMessage')).toMatchObject({ Threshold: 900, AlarmActions: [{ Ref: topicId }] });
    // Without this, CloudWatch could not publish to a topic encrypted with our key.
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const keyPolicy = JSON.stringify(platform.findResources('AWS::KMS::Key')[keyId]!.Properties.KeyPolicy);
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
  });

  it('turns alert log lines into alarms on the operations topic (a paused WhatsApp number)', () => {
    const filters = Object.values(fns.findResources('AWS::Logs::MetricFilter')).map((f) => f.Properties);
    const paused = filters.filter((f) => f.MetricTransformations[0].MetricName === 'whatsapp_number_paused');
    expect(paused).toHaveLength(3);
    for (const filter of paused) expect(filter.FilterPattern).toBe('{ $.alert = "whatsapp_number_paused" }');
    const alarm = Object.values(fns.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties).find((a) => a.MetricName === 'whatsapp_number_paused');
    expect(alarm).toMatchObject({ Namespace: 'IONFLUX/Alerts', Threshold: 1, AlarmActions: [expect.anything()] });
  });

  it('encrypts the platform secrets, and the secrets functions create (connection tokens, workspace credentials), with the data key', () => {
    const keyId = Object.keys(platform.findResources('AWS::KMS::Key'))[0]!;
    for (const provider of platformProviders) {
      platform.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `ionflux/platform/${provider}`, KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    }
    const lambdas = Object.values(fns.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { IONFLUX_FUNCTION_ID: Match.anyValue() } } } }));
    for (const lambda of lambdas) {
      const spec = functions.find((f) => f.id === lambda.Properties.Environment.Variables.IONFLUX_FUNCTION_ID)!;
      const creates = spec.needs.some((n) => n.startsWith('connection-tokens:') || n === 'workspace-secrets:write');
      const keyVar = lambda.Properties.Environment.Variables.IONFLUX_SECRETS_KMS_KEY_ID;
      if (creates) expect(JSON.stringify(keyVar)).toMatch(/Fn::ImportValue.*DataKey/);
      else expect(keyVar).toBeUndefined();
    }
    // Use of the key for secrets goes through Secrets Manager only; only token writers may encrypt with it.
    const statements = Object.values(fns.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Condition?: unknown }>);
    const viaSecrets = statements.filter((st) => JSON.stringify(st.Condition ?? {}).includes('secretsmanager.'));
    expect(viaSecrets.length).toBeGreaterThan(0);
    for (const st of viaSecrets) expect(([] as string[]).concat(st.Action).every((a) => a === 'kms:Decrypt' || a === 'kms:GenerateDataKey')).toBe(true);
  });

  it('throttles webhook and OAuth routes on their own limits, reserves the webhook functions\' concurrency, caps SQS concurrency', () => {
    const stage = Object.values(fns.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const routeSettings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    const stageRoute = Object.values(fns.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    for (const spec of functions.filter((f) => isHttp(f.trigger))) {
      const { method, path, auth } = (spec.trigger as { http: { method: string; path: string; auth: string } }).http;
      const key = `${method} ${path}`;
      expect(stageRoute).toContain(key);
      if (auth === 'signature') expect(routeSettings[key]).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
      else if (auth === 'public') expect(routeSettings[key]).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
      else expect(routeSettings[key]).toBeUndefined(); // the stage's defaults
    }
    // The stage names routes by key: it must be created after them.
    expect((stage.DependsOn as string[]).length).toBeGreaterThanOrEqual(Object.keys(routeSettings).length);

    const lambdas = Object.values(fns.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { IONFLUX_FUNCTION_ID: Match.anyValue() } } } }));
    for (const lambda of lambdas) {
      const spec = functions.find((f) => f.id === lambda.Properties.Environment.Variables.IONFLUX_FUNCTION_ID)!;
      const webhook = isHttp(spec.trigger) && spec.trigger.http.auth === 'signature';
      expect(lambda.Properties.ReservedConcurrentExecutions).toBe(webhook ? 50 : undefined);
    }
    const sqsMappings = Object.values(fns.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => !m.Properties.Topics);
    for (const spec of functions.filter((f) => isSqs(f.trigger))) {
      const wanted = (spec.trigger as { sqs: { maxConcurrency?: number } }).sqs.maxConcurrency ?? DEFAULT_SQS_MAX_CONCURRENCY;
      expect(sqsMappings.some((m) => m.Properties.ScalingConfig?.MaximumConcurrency === wanted && JSON.stringify(m.Properties.FunctionName).includes(spec.id.replace(/-/g, '')))).toBe(true);
    }
    expect(functions.find((f) => f.id === 'shopify-sync-worker')!.trigger).toMatchObject({ sqs: { maxConcurrency: 5 } });
  });

  it('records every failed scheduled run in an alarmed queue, and alarms on every function\'s error rate and on the API\'s 5xx', () => {
    // Every asynchronously invoked function (schedules here; SNS subscribers have theirs, sns-consumer-dlq).
    const configs = Object.values(fns.findResources('AWS::Lambda::EventInvokeConfig')).filter((c) => /scheduleddlq/i.test(JSON.stringify(c.Properties.DestinationConfig.OnFailure.Destination)));
    expect(configs).toHaveLength(functions.filter((f) => isSchedule(f.trigger)).length);
    expect(JSON.stringify(platform.findResources('AWS::CloudWatch::Alarm'))).toContain('scheduled-dlq-not-empty');

    const alarms = Object.values(fns.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    for (const spec of functions) {
      const alarm = alarms.find((a) => a.AlarmName === `ionflux-${spec.id}-errors`);
      expect(alarm).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold' });
      expect(JSON.stringify(alarm!.AlarmActions)).toMatch(/Fn::ImportValue.*AlarmsTopic/);
      expect(JSON.stringify(alarm!.Metrics)).toContain('errors / invocations');
    }
    const api = alarms.find((a) => a.AlarmName === 'ionflux-api-5xx');
    expect(JSON.stringify(api!.Metrics)).toMatch(/"MetricName":"5xx"/);
  });
});

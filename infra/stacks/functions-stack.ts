/**
 * Every function of the manifest, and how each is triggered: HTTP API routes (IAM authorisation for
 * internal APIs; webhooks and OAuth redirects public at the gateway and verified in the handler), MSK
 * event sources, EventBridge schedules, SQS event sources and SNS subscriptions. What applies to every
 * entry by its kind is decided here, so new manifest entries get it without asking: per-route throttling
 * by auth (webhook and public routes have their own limits), reserved concurrency for webhook functions, a
 * concurrency ceiling on SQS event sources, an on-failure destination for scheduled runs and SNS
 * subscriptions, and an error-rate alarm per function.
 *
 * CloudFormation allows 500 resources per stack and a function brings about eight (function, role, policy,
 * log group, alarm, route, integration, permission). The areas of the first deployments live in this stack;
 * each area added since (NESTED_STACK_AREAS) is a nested stack of its own: one resource here, its own 500
 * inside, deployed with this stack as one unit. Moving an area that is already deployed into one would
 * re-create its named functions and log groups, so that is a migration to plan, not a refactor.
 */
import { Duration, NestedStack, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { ManagedKafkaEventSource, SnsEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type FunctionArea, functionAreas } from '../../functions/manifest';
import { DEFAULT_SQS_MAX_CONCURRENCY, type FunctionSpec, type HttpAuth, isHttp, isKafka, isSchedule, isSns, isSqs, KAFKA_RETRY_ATTEMPTS, kafkaConsumerGroup, SNS_RETRY_ATTEMPTS } from '../../functions/manifest-types';
import { queues } from '../../shared/config/resources';
import { LogAlerts } from '../constructs/log-alerts';
import { functionName, ManifestFunction } from '../constructs/manifest-function';
import { api5xxAlarm, functionErrorRateAlarm } from '../constructs/operations-alarms';
import type { DeploymentSettings } from '../settings';
import type { PlatformResources } from './platform-stack';

/** Areas deployed as a nested stack of their own (see above). */
export const NESTED_STACK_AREAS: ReadonlySet<FunctionArea> = new Set<FunctionArea>(['tiktok', 'whatsapp']);

const pascal = (area: string) => area.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

export class FunctionsStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly functions = new Map<string, ManifestFunction>();
  /** HTTP routes per function id (cdk-nag acknowledgements attach to them). */
  readonly routes = new Map<string, apigw.HttpRoute[]>();
  /** Kafka consumer groups (one per topic's event source) per Kafka-triggered function id. */
  readonly consumerGroups = new Map<string, string[]>();
  /** The nested stack of each area in NESTED_STACK_AREAS. */
  readonly nestedStacks = new Map<FunctionArea, NestedStack>();
  /** Per-route throttling (API Gateway RouteSettings) of the routes whose auth has its own limits. */
  private readonly routeThrottles: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};

  constructor(scope: Construct, id: string, settings: DeploymentSettings, platform: PlatformResources, props?: StackProps) {
    super(scope, id, { description: 'IONFLUX integration layer: HTTP API and functions', ...props });

    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `${settings.resourcePrefix}-integration`,
      description: 'IONFLUX integration layer: provider webhooks, OAuth redirects and internal APIs',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const iamAuthorizer = new HttpIamAuthorizer();

    const environment = {
      IONFLUX_BACKEND: 'aws',
      IONFLUX_STAGE: settings.stage,
      IONFLUX_RESOURCE_PREFIX: settings.resourcePrefix,
      IONFLUX_SECRET_ROOT: settings.secretRoot,
      IONFLUX_VECTOR_INDEX: settings.vectorIndex,
      ...(settings.vectorIndexes ? { IONFLUX_VECTOR_INDEXES: settings.vectorIndexes } : {}),
    };

    const limits: Partial<Record<HttpAuth, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>> = {
      signature: { ThrottlingRateLimit: settings.webhookRateLimit, ThrottlingBurstLimit: settings.webhookBurstLimit },
      public: { ThrottlingRateLimit: settings.publicRateLimit, ThrottlingBurstLimit: settings.publicBurstLimit },
    };
    for (const [area, specs] of Object.entries(functionAreas) as Array<[FunctionArea, readonly FunctionSpec[]]>) {
      let scope: Construct = this;
      if (NESTED_STACK_AREAS.has(area)) {
        const nested = new NestedStack(this, `${pascal(area)}Functions`, { description: `IONFLUX integration layer: the ${area} functions` });
        this.nestedStacks.set(area, nested);
        scope = nested;
      }
      for (const spec of specs) {
        const webhook = isHttp(spec.trigger) && spec.trigger.http.auth === 'signature';
        const construct = new ManifestFunction(scope, spec.id, {
          spec,
          platform,
          logRetentionDays: settings.logRetentionDays,
          environment,
          functionName: functionName(settings.resourcePrefix, spec.id),
          ...(webhook && settings.webhookReservedConcurrency > 0 ? { reservedConcurrency: settings.webhookReservedConcurrency } : {}),
        });
        this.functions.set(spec.id, construct);
        this.wireTrigger(scope, spec, construct, platform, settings, iamAuthorizer);
        const limit = isHttp(spec.trigger) ? limits[spec.trigger.http.auth] : undefined;
        if (limit && isHttp(spec.trigger)) this.routeThrottles[`${spec.trigger.http.method} ${spec.trigger.http.path}`] = limit;
        functionErrorRateAlarm(construct, construct.fn, {
          functionId: spec.id,
          alarmName: `${settings.resourcePrefix}-${spec.id}-errors`,
          topic: platform.alarms.topic,
          thresholdPercent: settings.functionErrorRatePercent,
        });
      }
    }

    // Webhook and OAuth routes get their own limits (the internal routes keep the stage's), so a flood of
    // unsigned requests is throttled there, at the edge, before it reaches any function. The stage names
    // the routes by key: it is created after them.
    const cfnStage = stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = this.routeThrottles;
    for (const routes of this.routes.values()) for (const route of routes) cfnStage.node.addDependency(route);
    api5xxAlarm(this, stage, { alarmName: `${settings.resourcePrefix}-api-5xx`, topic: platform.alarms.topic, thresholdPercent: settings.functionErrorRatePercent });
    new LogAlerts(this, 'LogAlerts', { functions: this.functions, topic: platform.alarms.topic, resourcePrefix: settings.resourcePrefix });
  }

  private wireTrigger(
    scope: Construct,
    spec: FunctionSpec,
    construct: ManifestFunction,
    platform: PlatformResources,
    settings: DeploymentSettings,
    iamAuthorizer: HttpIamAuthorizer,
  ): void {
    const { trigger } = spec;
    const fn = construct.fn;
    if (isHttp(trigger)) {
      const { method, path, auth } = trigger.http;
      const integration = new HttpLambdaIntegration(`${spec.id}-integration`, fn);
      const authorizer = auth === 'iam' ? iamAuthorizer : new apigw.HttpNoneAuthorizer();
      // In a nested stack the route (with its integration and invoke permission) is the area's too.
      const routes =
        scope === this
          ? this.api.addRoutes({ path, methods: [method as apigw.HttpMethod], integration, authorizer })
          : [new apigw.HttpRoute(scope, `${spec.id}-route`, { httpApi: this.api, routeKey: apigw.HttpRouteKey.with(path, method as apigw.HttpMethod), integration, authorizer })];
      this.routes.set(spec.id, routes);
      return;
    }
    if (isKafka(trigger)) {
      const kafkaSpec = { id: spec.id, trigger };
      const groups = trigger.kafka.topics.map((topic) => kafkaConsumerGroup(settings.resourcePrefix, kafkaSpec, topic));
      this.consumerGroups.set(spec.id, groups);
      platform.bus.grantConsume(construct.role, trigger.kafka.topics, groups);
      for (const topic of trigger.kafka.topics) {
        const consumerGroup = kafkaConsumerGroup(settings.resourcePrefix, kafkaSpec, topic);
        fn.addEventSource(
          new ManagedKafkaEventSource({
            clusterArn: platform.bus.clusterArn,
            topic,
            consumerGroupId: consumerGroup,
            startingPosition: lambda.StartingPosition[trigger.kafka.startingPosition ?? 'TRIM_HORIZON'],
            batchSize: trigger.kafka.batchSize ?? 100,
            maxBatchingWindow: Duration.seconds(1),
            ...(trigger.kafka.eventTypes
              ? { filters: [lambda.FilterCriteria.filter({ value: { event_type: lambda.FilterRule.or(...trigger.kafka.eventTypes) } })] }
              : {}),
            // Partial batch responses, retries and bisecting need provisioned pollers.
            provisionedPollerConfig: { minimumPollers: 1, maximumPollers: 3 },
            reportBatchItemFailures: true,
            retryAttempts: KAFKA_RETRY_ATTEMPTS,
            bisectBatchOnError: true,
            // After the retries the event source moves on: where it stopped is recorded, never dropped silently.
            onFailure: new SqsDlq(platform.data.queues['kafka-consumer-dlq']),
          }),
        );
      }
      return;
    }
    if (isSchedule(trigger)) {
      new events.Rule(scope, `${spec.id}-schedule`, {
        description: `Runs ${spec.id} on ${trigger.schedule.expression}`,
        schedule: events.Schedule.expression(trigger.schedule.expression),
        targets: [new targets.LambdaFunction(fn, { retryAttempts: 2 })],
      });
      // EventBridge invokes asynchronously: a run that still fails after Lambda's two retries is recorded
      // (with its error) in scheduled-dlq, which is alarmed, instead of vanishing.
      fn.configureAsyncInvoke({ onFailure: new SqsDestination(platform.data.queues['scheduled-dlq']), retryAttempts: 2, maxEventAge: Duration.hours(1) });
      return;
    }
    if (isSqs(trigger)) {
      const queue = platform.data.queues[trigger.sqs.queue];
      // A message must not become visible again while its invocation (plus the batching window, plus a
      // delayed or retried invoke) may still be running: at least twice the function timeout.
      const minVisibilityS = 2 * spec.timeoutS + (trigger.sqs.maxBatchingWindowS ?? 0);
      if (queues[trigger.sqs.queue].visibilityTimeoutS < minVisibilityS) {
        throw new Error(`${spec.id}: queue ${trigger.sqs.queue} visibility timeout must be ≥ ${minVisibilityS} s (twice the function timeout plus the batching window)`);
      }
      fn.addEventSource(
        new SqsEventSource(queue, {
          batchSize: trigger.sqs.batchSize ?? 10,
          maxConcurrency: trigger.sqs.maxConcurrency ?? DEFAULT_SQS_MAX_CONCURRENCY,
          ...(trigger.sqs.maxBatchingWindowS ? { maxBatchingWindow: Duration.seconds(trigger.sqs.maxBatchingWindowS) } : {}),
          reportBatchItemFailures: true,
        }),
      );
      return;
    }
    if (isSns(trigger)) {
      // SNS invokes asynchronously: after Lambda's retries the event is kept in an alarmed queue, never dropped.
      fn.addEventSource(new SnsEventSource(platform.data.topics[trigger.sns.topic]));
      fn.configureAsyncInvoke({ retryAttempts: SNS_RETRY_ATTEMPTS, onFailure: new SqsDestination(platform.data.queues['sns-consumer-dlq']) });
    }
  }
}

/**
 * The email dispatch service of this execution environment: settings (shared/email/config.ts), the
 * transports (SES through `@aws-sdk/client-ses`, SendGrid through `@sendgrid/mail`, the embedded mail
 * catcher), the shared sending budgets, the stores, and the services the email functions call. SDK clients
 * are made once per environment, and only when the first call needs them (a function that never sends
 * through SendGrid never loads its SDK). Events (the embedded transport's reports, unsubscribes) go through
 * the outbox: these functions never open a Kafka connection and stay outside the VPC.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { awsClientConfig } from '../aws/client-config';
import { config } from '../config/env';
import { BatchStore } from '../email/batch-store';
import { BulkEmailService, type ChunkJob } from '../email/bulk-service';
import { BulkEmailWorker, type BulkWorkerDeps } from '../email/bulk-worker';
import { type EmailConfig, readEmailConfig, type TransportName } from '../email/config';
import { EmailDispatcher } from '../email/dispatcher';
import { ConfirmationStore, IdempotencyStore } from '../email/dispatch-store';
import type { OutgoingEmail } from '../email/message';
import { composeMime } from '../email/mime';
import { EmbeddedTransport } from '../email/providers/embedded/transport';
import { SendGridRateGate } from '../email/providers/sendgrid/rate-limit';
import { SendGridTransport } from '../email/providers/sendgrid/transport';
import { type QuotaReader, SesQuota } from '../email/providers/ses/quota';
import { sesSdk, SesTransport } from '../email/providers/ses/transport';
import { SendRateTimeline } from '../email/send-rate';
import { EmailSendService } from '../email/send-service';
import { DeliveryStatusRecorder } from '../email/status-recorder';
import { SuppressionStore } from '../email/suppressions';
import { type CompiledTemplates, compileTemplates } from '../email/templates';
import type { EmailTransport } from '../email/transport';
import { UnsubscribeLinks, UnsubscribeService } from '../email/unsubscribe';
import { ConfigurationError } from '../errors';
import type { HttpRequest } from '../http/request';
import { Cooldowns, defaultCooldownOptions } from '../llm/cooldown';
import { defaultRetryPolicy, type RetryPolicy } from '../llm/retry-policy';
import { publicBaseUrl } from '../oauth/public-url';
import { SecretNotFoundError } from '../secrets/errors';
import { platformSecretName } from '../secrets/names';
import { outboxPublisher } from './outbox';
import { perEnvironment } from './per-environment';
import { queue } from './queues';
import { secretResolver, secretStore } from './secrets';
import { table } from './storage';
import type { BatchMeta } from '../email/batch-store';

export const emailConfig = perEnvironment((): EmailConfig => readEmailConfig(process.env, { awsEnabled: config().aws.enabled }));

/** A raw message carries up to 10 MB: SES attempts get 10 s to answer. */
const SES_ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * The SES client: the project's AWS client configuration (the endpoint is the SDK's own:
 * `AWS_ENDPOINT_URL_SES`, then `AWS_ENDPOINT_URL`), but no SDK retries — the dispatcher owns them, and every
 * retry must take a new pacing slot — and 10 s attempts, since a raw message carries up to 10 MB.
 */
export const sesClient = perEnvironment(
  () => new (sesSdk().SESClient)(awsClientConfig(config(), { maxAttempts: 1, attemptTimeoutMs: SES_ATTEMPT_TIMEOUT_MS, service: 'SES' })),
  (client) => client.destroy(),
);

/** GetSendQuota through this environment's SES client. */
export const readSesSendQuota: QuotaReader = async ({ signal }) => {
  const out = await sesClient().send(new (sesSdk().GetSendQuotaCommand)({}), { abortSignal: signal });
  return { maxSendRate: Number(out.MaxSendRate), max24HourSend: Number(out.Max24HourSend ?? -1), sentLast24Hours: Number(out.SentLast24Hours ?? 0) };
};

export const sesQuota = perEnvironment(() => new SesQuota(readSesSendQuota, { refreshMs: emailConfig().quotaRefreshMs }));

/** The account's shared send-slot timeline (one per SES account and region). */
export const sesTimeline = perEnvironment(() => new SendRateTimeline(table('email-send-rate'), `ses:${config().aws.region}`));
export const sendGridGate = perEnvironment(() => new SendGridRateGate(table('email-send-rate')));

const compose = (message: OutgoingEmail) => composeMime(message);

const sesTransport = perEnvironment(() => {
  const settings = emailConfig();
  return new SesTransport({
    client: sesClient,
    timeline: sesTimeline(),
    quota: sesQuota(),
    rateShare: settings.sesRateShare,
    ...(settings.sesConfigurationSet ? { configurationSet: settings.sesConfigurationSet } : {}),
    compose,
  });
});
const sendGridTransport = perEnvironment(() => new SendGridTransport({ secrets: secretResolver(), gate: sendGridGate() }));
const embeddedTransport = perEnvironment(
  () => new EmbeddedTransport({ folder: path.join(config().home, 'mail'), compose, publisher: outboxPublisher(), source: config().serviceName }),
);

const transports: Record<TransportName, () => EmailTransport> = { ses: sesTransport, sendgrid: sendGridTransport, embedded: embeddedTransport };

/** Primary, then the failover: the configured one, or (auto) SendGrid when this workspace has a SendGrid key. */
async function route(message: OutgoingEmail): Promise<EmailTransport[]> {
  const settings = emailConfig();
  const order: TransportName[] = [settings.transport];
  let failover = settings.failover;
  if (failover === 'auto') {
    failover = 'none';
    if (settings.transport !== 'sendgrid' && settings.transport !== 'embedded') {
      const credential = await secretResolver()
        .resolve({ provider: 'sendgrid', workspaceId: message.workspaceId })
        .catch(() => undefined);
      if (credential?.get('api_key')) failover = 'sendgrid';
    }
  }
  if (failover !== 'none') order.push(failover);
  return order.map((name) => transports[name]());
}

/** The email retry policy: two retries of a transport (backoff from 200 ms), time kept for the failover. */
export const emailRetryPolicy: RetryPolicy = { ...defaultRetryPolicy, baseDelayMs: 200, maxDelayMs: 2000, attemptTimeoutMs: 10_000, fallbackReserveMs: 3000 };

export const emailCooldowns = perEnvironment(() => new Cooldowns({ ...defaultCooldownOptions, cooldownMs: 30_000 }));

export const emailDispatcher = perEnvironment(() => new EmailDispatcher({ route, cooldowns: emailCooldowns(), policy: emailRetryPolicy }));

export const suppressionStore = perEnvironment(() => new SuppressionStore(table('email-suppressions')));
export const idempotencyStore = perEnvironment(() => new IdempotencyStore(table('email-dispatches'), { leaseMs: emailConfig().claimLeaseMs }));
export const confirmationStore = perEnvironment(() => new ConfirmationStore(table('email-dispatches')));
export const batchStore = perEnvironment(() => new BatchStore(table('email-dispatches')));

/**
 * The unsubscribe signing keys, from `<root>/platform/email` (`unsubscribe_signing_key`, and
 * `previous_unsubscribe_signing_key` during a rotation). CDK generates the key; locally (`npm run dev`,
 * tests) a missing key is made on first use and stored, like a development certificate.
 */
export const unsubscribeKeys = perEnvironment(() => {
  let made: Promise<string> | undefined;
  return async (): Promise<string[]> => {
    const cfg = config();
    const name = platformSecretName(cfg.secretRoot, 'email');
    const credential = await secretResolver()
      .platform('email')
      .catch((error: unknown) => {
        if (error instanceof SecretNotFoundError && cfg.localMode) return undefined;
        throw error;
      });
    const current = credential?.get('unsubscribe_signing_key');
    const previous = credential?.get('previous_unsubscribe_signing_key');
    if (current) return [current, ...(previous ? [previous] : [])];
    if (!cfg.localMode) throw new ConfigurationError(`secret ${name} has no unsubscribe_signing_key (the CDK app generates one; restore it or set a new one)`, { code: 'unsubscribe_key_missing' });
    made ??= (async () => {
      const key = randomBytes(32).toString('base64url');
      await secretStore().put(name, JSON.stringify({ ...(credential?.fields() ?? {}), unsubscribe_signing_key: key }));
      secretResolver().invalidate(name);
      return key;
    })();
    return [await made];
  };
});

export const unsubscribeLinks = perEnvironment(() => new UnsubscribeLinks(unsubscribeKeys()));

/** Origin of the unsubscribe links: IONFLUX_PUBLIC_BASE_URL, else the host the request reached (the same API). */
export const unsubscribeOrigin = (request: Pick<HttpRequest, 'headers'>) => (): string =>
  emailConfig().publicBaseUrl ?? publicBaseUrl({}, request, config().localMode);

export const newDispatchId = (): string => `dsp_${randomUUID().replaceAll('-', '')}`;
export const newBatchId = (): string => `bat_${randomUUID().replaceAll('-', '')}`;

export const emailSendService = perEnvironment(
  () =>
    new EmailSendService({
      dispatcher: emailDispatcher(),
      suppressions: suppressionStore(),
      idempotency: idempotencyStore(),
      confirmations: confirmationStore(),
      links: unsubscribeLinks(),
      confirmGraceMs: emailConfig().confirmGraceMs,
      newDispatchId,
    }),
);

export const bulkEmailService = perEnvironment(
  () =>
    new BulkEmailService({
      batches: batchStore(),
      idempotency: idempotencyStore(),
      enqueue: async (job: ChunkJob) => {
        await queue('email-bulk').send(JSON.stringify(job));
      },
      newBatchId,
    }),
);

/** Compiled templates per batch, kept for the batches this environment works on. */
const templateCache = perEnvironment(() => new Map<string, CompiledTemplates>());
function batchTemplates(meta: BatchMeta): CompiledTemplates {
  const cache = templateCache();
  let compiled = cache.get(meta.batch_id);
  if (!compiled) {
    compiled = compileTemplates({ subject: meta.subject, ...(meta.text !== undefined ? { text: meta.text } : {}), ...(meta.html !== undefined ? { html: meta.html } : {}) });
    if (cache.size >= 50) cache.delete(cache.keys().next().value!);
    cache.set(meta.batch_id, compiled);
  }
  return compiled;
}

/** What the bulk worker of this environment works with (a benchmark or test may add a clock). */
export function bulkWorkerDeps(): BulkWorkerDeps {
  const settings = emailConfig();
  return {
    batches: batchStore(),
    suppressions: suppressionStore(),
    confirmations: confirmationStore(),
    dispatcher: emailDispatcher(),
    links: unsubscribeLinks(),
    templates: batchTemplates,
    settings: { claimLeaseMs: settings.claimLeaseMs, confirmGraceMs: settings.confirmGraceMs, maxAttempts: settings.maxAttempts },
    newAttemptId: () => randomUUID(),
  };
}

export const bulkEmailWorker = perEnvironment(() => new BulkEmailWorker(bulkWorkerDeps()));

export const unsubscribeService = perEnvironment(
  () => new UnsubscribeService({ links: unsubscribeLinks(), suppressions: suppressionStore(), publisher: outboxPublisher(), source: config().serviceName }),
);

export const deliveryStatusRecorder = perEnvironment(() => new DeliveryStatusRecorder({ suppressions: suppressionStore(), confirmations: confirmationStore() }));

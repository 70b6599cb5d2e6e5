/**
 * Test plumbing of the email service: a fake SES (reached through AWS_ENDPOINT_URL_SES) and a fake
 * SendGrid (the platform secret's base_url) started and the code pointed at them, against this run's
 * moto and Kafka; helpers to call the HTTP functions with real API Gateway events.
 */
import type { KeyObject } from 'node:crypto';
import { handler as getBatchHandler } from '../../functions/email/get-batch';
import { handler as sendHandler } from '../../functions/email/send';
import { handler as sendBulkHandler } from '../../functions/email/send-bulk';
import { handler as unsubscribeHandler } from '../../functions/email/unsubscribe';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { platformSecretName } from '../../shared/secrets/names';
import { FakeSendGrid, eventWebhookKeys } from '../fakes/sendgrid/fake-sendgrid';
import { FakeSes, type FakeSesOptions } from '../fakes/ses/fake-ses';
import { secretRoot, useLocalServices } from './environment';
import { invokeHttp, type InvokeResult } from './http';
import { storeSecret } from './secrets';

export const SENDGRID_KEY = 'SG.test-platform-key-0123456789';
export const CONFIGURATION_SET = 'ionflux-email-test';
export const PUBLIC_BASE_URL = 'https://api.ionflux.test';

export interface EmailFakes {
  ses: FakeSes;
  sendgrid: FakeSendGrid;
  /** The Event Webhook signing key pair (the public half is in the sendgrid secret). */
  webhookKeys: { publicKey: string; privateKey: KeyObject };
  close(): Promise<void>;
}

/** Starts both fakes, points the code at them (moto + Kafka for everything else) and stores the SendGrid secret. */
export async function startEmailFakes(options: { ses?: FakeSesOptions; sendgridKeys?: string[]; withSendGridKey?: boolean; env?: Record<string, string> } = {}): Promise<EmailFakes> {
  const ses = await new FakeSes(options.ses).start();
  const sendgrid = await new FakeSendGrid({ keys: options.sendgridKeys ?? [SENDGRID_KEY] }).start();
  const webhookKeys = eventWebhookKeys();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    IONFLUX_SES_CONFIGURATION_SET: CONFIGURATION_SET,
    IONFLUX_PUBLIC_BASE_URL: PUBLIC_BASE_URL,
    ...options.env,
  });
  await useLocalServices();
  await storeSecret(
    platformSecretName(secretRoot(), 'sendgrid'),
    options.withSendGridKey === false ? { webhook_public_key: webhookKeys.publicKey } : { api_key: SENDGRID_KEY, base_url: sendgrid.baseUrl, webhook_public_key: webhookKeys.publicKey },
  );
  return {
    ses,
    sendgrid,
    webhookKeys,
    close: async () => {
      await Promise.all([ses.close(), sendgrid.close()]);
      for (const name of ['AWS_ENDPOINT_URL_SES', 'IONFLUX_SES_CONFIGURATION_SET', 'IONFLUX_PUBLIC_BASE_URL', ...Object.keys(options.env ?? {})]) delete process.env[name];
      await resetEnvironment();
    },
  };
}

/** Sets (or, with undefined, removes) email settings and starts a fresh execution environment. */
export async function withEmailSettings(settings: Record<string, string | undefined>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await resetEnvironment();
}

type Handler = Parameters<typeof invokeHttp>[0];
const post = (handler: unknown, rawPath: string, body: unknown): Promise<InvokeResult> =>
  invokeHttp(handler as Handler, { method: 'POST', rawPath, headers: { 'content-type': 'application/json', host: 'api.ionflux.test' }, body: Buffer.from(JSON.stringify(body)) }, 29);

export const sendEmail = (body: unknown) => post(sendHandler, '/v1/emails/send', body);
export const sendBulk = (body: unknown) => post(sendBulkHandler, '/v1/emails/send-bulk', body);

export const getBatch = (batchId: string, workspaceId: string) =>
  invokeHttp(getBatchHandler as unknown as Handler, {
    method: 'GET',
    rawPath: `/v1/emails/batches/${batchId}`,
    routeKey: 'GET /v1/emails/batches/{batch_id}',
    pathParameters: { batch_id: batchId },
    rawQueryString: `workspace_id=${workspaceId}`,
  });

export const unsubscribe = (method: 'GET' | 'POST', query: string, body?: string) =>
  invokeHttp(unsubscribeHandler as unknown as Handler, {
    method,
    rawPath: '/email/unsubscribe',
    rawQueryString: query,
    headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    ...(body === undefined ? {} : { body: Buffer.from(body) }),
  });

/** The token of a List-Unsubscribe header. */
export const tokenOf = (listUnsubscribe: string): string => /token=([^>]+)>/.exec(listUnsubscribe)![1]!;

/** Email dispatch (issue 13): SES and SendGrid with failover, paced bulk sends, delivery status into Kafka. */
import { STATUS_RECORDER_EVENT_TYPES } from '../../shared/email/status-recorder';
import { topics } from '../../shared/events/topics';
import type { FunctionSpec, Need } from '../manifest-types';

/**
 * What every function that sends may touch: SES (SendRawEmail from the configured identities,
 * GetSendQuota), SendGrid (the platform key or the workspace's own), the unsubscribe signing key, the
 * dispatch records, the suppression list, the shared sending budget, and the outbox (the embedded
 * transport's reports). None of them talks to Kafka: they stay outside the VPC.
 */
const sending: Need[] = [
  'ses:send',
  'secret:sendgrid',
  'workspace-secrets',
  'secret:email',
  'dynamodb:email-dispatches',
  'dynamodb:email-suppressions:read',
  'dynamodb:email-send-rate',
  'sqs:outbox',
];

/** What the inbound provider events need: the webhook pipeline's stores and Kafka. */
const inbound: Need[] = ['kafka', 'dynamodb:connections', 'dynamodb:webhook-dedup', 'dynamodb:parked-webhooks'];

export const emailFunctions: FunctionSpec[] = [
  {
    id: 'email-send',
    entry: 'functions/email/send.ts',
    description: 'Sends one email (≤ 50 recipients, ≤ 10 MB) through SES or SendGrid with failover, suppression, idempotency and one-click unsubscribe.',
    trigger: { http: { method: 'POST', path: '/v1/emails/send', auth: 'iam' } },
    memoryMb: 1024,
    timeoutS: 29,
    needs: sending,
  },
  {
    id: 'email-send-bulk',
    entry: 'functions/email/send-bulk.ts',
    description: 'Accepts a bulk send (≤ 10,000 recipients, templated per recipient): stores the batch and queues its chunks for email-bulk-worker.',
    trigger: { http: { method: 'POST', path: '/v1/emails/send-bulk', auth: 'iam' } },
    memoryMb: 1024,
    timeoutS: 29,
    needs: ['dynamodb:email-dispatches', 'sqs:email-bulk'],
  },
  {
    id: 'email-get-batch',
    entry: 'functions/email/get-batch.ts',
    description: 'Reports the progress of a bulk send: sent, failed, suppressed, pending.',
    trigger: { http: { method: 'GET', path: '/v1/emails/batches/{batch_id}', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:email-dispatches:read'],
  },
  {
    id: 'email-bulk-worker',
    entry: 'functions/email/bulk-worker.ts',
    description: 'Sends one chunk of a bulk batch at the account’s MaxSendRate shared by every worker; per-recipient records, retries one recipient at a time.',
    // Five workers share the rate timeline; more would only wait for their slots.
    trigger: { sqs: { queue: 'email-bulk', batchSize: 1, maxConcurrency: 5 } },
    memoryMb: 1024,
    timeoutS: 300,
    needs: sending,
  },
  {
    id: 'email-unsubscribe-form',
    entry: 'functions/email/unsubscribe.ts',
    description: 'GET of a List-Unsubscribe link: a confirmation form that posts; changes nothing (link scanners follow GETs).',
    trigger: { http: { method: 'GET', path: '/email/unsubscribe', auth: 'public' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['secret:email'],
  },
  {
    id: 'email-unsubscribe',
    entry: 'functions/email/unsubscribe.ts',
    description: 'RFC 8058 one-click unsubscribe: a POST with a signed token suppresses the address for the workspace’s marketing mail.',
    trigger: { http: { method: 'POST', path: '/email/unsubscribe', auth: 'public' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['secret:email', 'dynamodb:email-suppressions', 'sqs:outbox'],
  },
  {
    id: 'webhook-sendgrid',
    entry: 'functions/webhooks/sendgrid.ts',
    description: 'SendGrid Event Webhook: ECDSA-verified, de-duplicated on sg_event_id, normalised onto ionflux.email.delivery_status.',
    trigger: { http: { method: 'POST', path: '/webhooks/sendgrid', auth: 'signature' } },
    memoryMb: 512,
    timeoutS: 10,
    needs: [...inbound, 'secret:sendgrid', 'workspace-secrets'],
  },
  {
    id: 'webhook-ses-sns',
    entry: 'functions/webhooks/ses-sns.ts',
    description: 'SES sending events of the email configuration set (via SNS), de-duplicated and normalised onto ionflux.email.delivery_status.',
    trigger: { sns: { topic: 'email-events' } },
    memoryMb: 512,
    timeoutS: 30,
    needs: inbound,
  },
  {
    id: 'email-status-recorder',
    entry: 'functions/email/status-recorder.ts',
    description: 'Suppresses hard-bounced, complaining and unsubscribed addresses per workspace; confirms sends a provider reported.',
    trigger: { kafka: { topics: [topics.emailDeliveryStatus()], eventTypes: STATUS_RECORDER_EVENT_TYPES, batchSize: 100 } },
    memoryMb: 256,
    timeoutS: 60,
    needs: ['dynamodb:email-suppressions', 'dynamodb:email-dispatches'],
  },
];

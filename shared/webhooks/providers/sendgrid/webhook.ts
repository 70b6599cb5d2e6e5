/**
 * SendGrid's Event Webhook as a provider of the shared pipeline. Verified with `@sendgrid/eventwebhook`
 * (ECDSA P-256 over `timestamp + raw body`, `X-Twilio-Email-Event-Webhook-Signature` / `-Timestamp`, the
 * public key SendGrid shows, base64 DER, as `webhook_public_key` in the sendgrid secret). The body is a
 * JSON array of events: one delivery each, de-duplicated on `sg_event_id`, routed by the `workspace_id`
 * our sends put in `custom_args`, mapped to `ionflux.email.delivery_status`.
 *
 * A workspace that sends through its own SendGrid account points that account's Event Webhook at
 * `/webhooks/sendgrid?workspace_id=<id>`: it is verified with that workspace's own key, and its events
 * belong to that workspace only (events claiming another one are ignored).
 */
import { createHash } from 'node:crypto';
import { ConfigurationError } from '../../../errors';
import { moduleLogger } from '../../../observability/logger';
import { assertWorkspaceId, WORKSPACE_ID } from '../../../workspaces/workspace-id';
import { MalformedWebhookError, WebhookSignatureError } from '../../errors';
import { parseWebhookJson } from '../../json';
import type { Delivery, WebhookProvider } from '../../provider';
import { type SendGridEvent, sendGridEventReports } from './events';

const log = moduleLogger('sendgrid-webhooks');

export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

type EventWebhookModule = typeof import('@sendgrid/eventwebhook');
let eventWebhook: { verifier: InstanceType<EventWebhookModule['EventWebhook']>; keys: Map<string, unknown> } | undefined;

/** The SDK's verifier, loaded on the first webhook; converted public keys are kept per key. */
function verifier() {
  if (!eventWebhook) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { EventWebhook } = require('@sendgrid/eventwebhook') as EventWebhookModule;
    eventWebhook = { verifier: new EventWebhook(), keys: new Map() };
  }
  return eventWebhook;
}

export function verifySendGridSignature(rawBody: Buffer, signature: string, timestamp: string, publicKey: string): boolean {
  const { verifier: ew, keys } = verifier();
  let key = keys.get(publicKey);
  if (!key) {
    try {
      key = ew.convertPublicKeyToECDSA(publicKey);
    } catch (error) {
      throw new ConfigurationError('the SendGrid webhook verification key cannot be read', { code: 'webhook_key_invalid', cause: error });
    }
    if (keys.size > 20) keys.clear();
    keys.set(publicKey, key);
  }
  try {
    return ew.verifySignature(key as Parameters<typeof ew.verifySignature>[0], rawBody, signature, timestamp);
  } catch {
    // A signature that is not base64 DER is simply not a valid signature.
    return false;
  }
}

export interface SendGridDelivery extends Delivery {
  event: SendGridEvent;
}

export const sendgridWebhooks: WebhookProvider<SendGridDelivery> = {
  name: 'sendgrid',
  secretProvider: 'sendgrid',
  // SendGrid retries failed posts for 24 hours: keep dedup records for three days.
  dedupTtlSeconds: 72 * 3600,
  keptHeaders: [],

  credentialScope(request) {
    const workspaceId = request.query.workspace_id;
    return workspaceId === undefined ? undefined : { workspaceId: assertWorkspaceId(workspaceId) };
  },

  requireSignature(request) {
    const signature = request.headers[SIGNATURE_HEADER]?.trim();
    const timestamp = request.headers[TIMESTAMP_HEADER]?.trim();
    if (!signature || !timestamp) throw new WebhookSignatureError('sendgrid', 'missing');
    // An ECDSA signature is base64 DER (about 96 characters); anything else cannot verify.
    if (!/^\d{1,12}$/.test(timestamp) || !/^[A-Za-z0-9+/]{16,200}={0,2}$/.test(signature)) throw new WebhookSignatureError('sendgrid', 'invalid');
  },

  verify(request, credential) {
    const signature = request.headers[SIGNATURE_HEADER]?.trim();
    const timestamp = request.headers[TIMESTAMP_HEADER]?.trim();
    if (!signature || !timestamp) throw new WebhookSignatureError('sendgrid', 'missing');
    const publicKey = credential.get('webhook_public_key');
    if (!publicKey) {
      log.error('the SendGrid secret has no webhook_public_key: every Event Webhook post is refused', { secret: credential.secretName });
      throw new ConfigurationError('the SendGrid webhook verification key is not configured', { code: 'webhook_key_missing' });
    }
    if (!/^\d{1,12}$/.test(timestamp) || !verifySendGridSignature(request.rawBody, signature, timestamp, publicKey)) throw new WebhookSignatureError('sendgrid', 'invalid');
  },

  parse(request, credential) {
    const body = parseWebhookJson('sendgrid', request.rawBody);
    if (!Array.isArray(body)) throw new MalformedWebhookError('sendgrid', 'body must be a JSON array of events');
    // Verified with a workspace's own key: every event is that workspace's, whatever it claims.
    const ownWorkspace = credential?.source === 'workspace' ? request.query.workspace_id : undefined;
    const deliveries: SendGridDelivery[] = [];
    for (const [i, raw] of body.entries()) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || typeof (raw as { event?: unknown }).event !== 'string') {
        throw new MalformedWebhookError('sendgrid', `event ${i} is not an object with an "event" name`);
      }
      const event = raw as SendGridEvent;
      const claimed = typeof event.workspace_id === 'string' && WORKSPACE_ID.test(event.workspace_id) ? event.workspace_id : undefined;
      if (ownWorkspace && claimed && claimed !== ownWorkspace) {
        log.warn('SendGrid event names another workspace than the account it came from; ignored', { account_workspace: ownWorkspace, claimed_workspace: claimed });
        continue;
      }
      const id = typeof event.sg_event_id === 'string' && event.sg_event_id ? event.sg_event_id : createHash('sha256').update(JSON.stringify(event)).digest('base64url');
      const delivery: SendGridDelivery = { dedupKey: `sendgrid:${id}`, kind: event.event, event };
      // One message's events to one recipient stay in order (processed, delivered, open…); others run side by side.
      const message = typeof event.dispatch_id === 'string' ? event.dispatch_id : typeof event.sg_message_id === 'string' ? event.sg_message_id : undefined;
      if (message) delivery.orderKey = `sendgrid:${message}:${typeof event.email === 'string' ? event.email.toLowerCase() : ''}`;
      const workspaceId = ownWorkspace ?? claimed;
      if (workspaceId) delivery.workspaceId = workspaceId;
      deliveries.push(delivery);
    }
    return deliveries;
  },

  toEvents(delivery, workspaceId) {
    return sendGridEventReports(delivery.event, workspaceId, 'webhook-sendgrid');
  },
};

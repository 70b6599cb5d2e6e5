/**
 * SES sending events (configuration set → SNS → `webhook-ses-sns`) as an inbound provider of the shared
 * pipeline: no public endpoint and no signature — AWS invokes the function with the SNS notification —
 * but the same de-duplication (SNS delivers at least once), routing and publishing as every webhook.
 *
 * The notification's `Message` is the event SES documents (`docs.aws.amazon.com/ses/latest/dg/
 * event-publishing-retrieving-sns-contents.html`): `{ eventType, mail, bounce | complaint | delivery |
 * send | reject | open | click | failure | deliveryDelay | subscription }` (`notificationType` for identity
 * notifications). `mail.tags` carries our message tags (`dispatch_id`, `workspace_id`), each as a list.
 * One notification becomes one delivery status event per recipient it is about.
 */
import { createHash } from 'node:crypto';
import { type BounceType, type DeliveryStatus, deliveryStatusEvent, type DeliveryStatusPayload } from '../../../email/delivery-status';
import type { OutgoingEvent } from '../../../events/publisher';
import { WORKSPACE_ID } from '../../../workspaces/workspace-id';
import { MalformedWebhookError } from '../../errors';
import type { Delivery, InboundProvider } from '../../provider';

interface Recipient {
  emailAddress?: string;
  diagnosticCode?: string;
  status?: string;
}

export interface SesEvent {
  eventType?: string;
  notificationType?: string;
  mail: {
    timestamp?: string;
    messageId: string;
    destination?: string[];
    tags?: Record<string, string[]>;
  };
  send?: Record<string, unknown>;
  delivery?: { timestamp?: string; recipients?: string[]; smtpResponse?: string };
  bounce?: { bounceType?: string; bounceSubType?: string; bouncedRecipients?: Recipient[]; timestamp?: string; feedbackId?: string };
  complaint?: { complainedRecipients?: Recipient[]; complaintFeedbackType?: string; timestamp?: string; feedbackId?: string };
  reject?: { reason?: string };
  failure?: { errorMessage?: string; templateName?: string };
  deliveryDelay?: { delayType?: string; delayedRecipients?: Recipient[]; timestamp?: string; expirationTime?: string };
  open?: { timestamp?: string };
  click?: { timestamp?: string; link?: string };
  subscription?: { timestamp?: string; newTopicPreferences?: { unsubscribeAll?: boolean } };
}

export interface SesDelivery extends Delivery {
  type: string;
  event: SesEvent;
}

const tag = (event: SesEvent, name: string): string | undefined => {
  const value = event.mail.tags?.[name];
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
};

const BOUNCE: Record<string, BounceType> = { Permanent: 'hard', Transient: 'soft', Undetermined: 'undetermined' };

interface Report {
  status: DeliveryStatus;
  recipients: string[];
  at?: string;
  bounce_type?: BounceType;
  reason?: (recipient: string) => string | undefined;
}

/** What one SES event reports: a status, for whom, when, and why. Undefined for events we do not map. */
function report(type: string, event: SesEvent): Report | undefined {
  const everyone = event.mail.destination ?? [];
  const addresses = (list: Recipient[] | undefined) => (list ?? []).map((r) => r.emailAddress).filter((a): a is string => typeof a === 'string');
  const diagnostic = (list: Recipient[] | undefined) => (recipient: string) => list?.find((r) => r.emailAddress === recipient)?.diagnosticCode;
  switch (type) {
    case 'Send':
      return { status: 'sent', recipients: everyone, ...(event.mail.timestamp ? { at: event.mail.timestamp } : {}) };
    case 'Delivery':
      return { status: 'delivered', recipients: event.delivery?.recipients ?? everyone, ...(event.delivery?.timestamp ? { at: event.delivery.timestamp } : {}) };
    case 'Bounce': {
      const b = event.bounce ?? {};
      return {
        status: 'bounced',
        recipients: addresses(b.bouncedRecipients),
        ...(b.timestamp ? { at: b.timestamp } : {}),
        bounce_type: BOUNCE[b.bounceType ?? ''] ?? 'undetermined',
        reason: (r) => diagnostic(b.bouncedRecipients)(r) ?? [b.bounceType, b.bounceSubType].filter(Boolean).join('/'),
      };
    }
    case 'Complaint': {
      const c = event.complaint ?? {};
      return { status: 'complained', recipients: addresses(c.complainedRecipients), ...(c.timestamp ? { at: c.timestamp } : {}), ...(c.complaintFeedbackType ? { reason: () => c.complaintFeedbackType } : {}) };
    }
    case 'Reject':
      return { status: 'dropped', recipients: everyone, reason: () => event.reject?.reason ?? 'rejected by SES' };
    case 'Rendering Failure':
      return { status: 'dropped', recipients: everyone, reason: () => event.failure?.errorMessage ?? 'rendering failure' };
    case 'DeliveryDelay': {
      const d = event.deliveryDelay ?? {};
      return {
        status: 'deferred',
        recipients: addresses(d.delayedRecipients),
        ...(d.timestamp ? { at: d.timestamp } : {}),
        reason: (r) => [d.delayType, diagnostic(d.delayedRecipients)(r)].filter(Boolean).join(': ') || undefined,
      };
    }
    case 'Open':
      return { status: 'opened', recipients: everyone, ...(event.open?.timestamp ? { at: event.open.timestamp } : {}) };
    case 'Click':
      return { status: 'clicked', recipients: everyone, ...(event.click?.timestamp ? { at: event.click.timestamp } : {}) };
    case 'Subscription':
      return event.subscription?.newTopicPreferences?.unsubscribeAll
        ? { status: 'unsubscribed', recipients: everyone, ...(event.subscription.timestamp ? { at: event.subscription.timestamp } : {}) }
        : undefined;
    default:
      return undefined;
  }
}

/** When the event happened, as SES says (its own part's timestamp), for the dedup key. */
const eventInstant = (type: string, event: SesEvent): string => {
  const part = { Bounce: event.bounce, Complaint: event.complaint, Delivery: event.delivery, DeliveryDelay: event.deliveryDelay, Open: event.open, Click: event.click, Subscription: event.subscription }[type] as
    | { timestamp?: string; feedbackId?: string }
    | undefined;
  return part?.feedbackId ?? part?.timestamp ?? event.mail.timestamp ?? '';
};

export const sesEvents: InboundProvider<SesDelivery> = {
  name: 'ses',
  // SNS retries a Lambda delivery for hours at most (then the function's DLQ): three days cover it.
  dedupTtlSeconds: 72 * 3600,
  keptHeaders: [],

  parse(request) {
    let event: SesEvent;
    try {
      event = JSON.parse(request.rawBody.toString('utf8')) as SesEvent;
    } catch {
      throw new MalformedWebhookError('ses', 'the SNS message is not JSON');
    }
    const type = event?.eventType ?? event?.notificationType;
    if (typeof type !== 'string' || typeof event.mail?.messageId !== 'string') throw new MalformedWebhookError('ses', 'the SNS message is not an SES event (no eventType and mail.messageId)');
    // Open and click events repeat for one message; the instant (or feedback id) tells them apart.
    const instant = eventInstant(type, event);
    const delivery: SesDelivery = {
      dedupKey: `ses:${event.mail.messageId}:${type}:${instant || createHash('sha256').update(request.rawBody).digest('base64url')}`,
      kind: type,
      type,
      event,
    };
    const workspaceId = tag(event, 'workspace_id');
    if (workspaceId && WORKSPACE_ID.test(workspaceId)) delivery.workspaceId = workspaceId;
    return [delivery];
  },

  toEvents(delivery, workspaceId): OutgoingEvent[] {
    const { event, type } = delivery;
    const dispatchId = tag(event, 'dispatch_id');
    const found = report(type, event);
    if (!found || !dispatchId) return [];
    const instant = Date.parse(found.at ?? event.mail.timestamp ?? '');
    const at = Number.isNaN(instant) ? new Date() : new Date(instant);
    return found.recipients.map((recipient) => {
      const reason = found.reason?.(recipient);
      const payload: DeliveryStatusPayload = {
        dispatch_id: dispatchId,
        workspace_id: workspaceId,
        provider: 'ses',
        provider_message_id: event.mail.messageId,
        recipient,
        status: found.status,
        ...(found.bounce_type ? { bounce_type: found.bounce_type } : {}),
        ...(reason ? { reason: reason.slice(0, 1000) } : {}),
        occurred_at: at.toISOString(),
      };
      return deliveryStatusEvent({ payload, idParts: [event.mail.messageId, type, recipient, eventInstant(type, event)], source: 'webhook-ses-sns' });
    });
  },
};

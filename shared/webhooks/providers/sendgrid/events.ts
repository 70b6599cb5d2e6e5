/**
 * One SendGrid Event Webhook event → the normalised delivery status (shared/email/delivery-status.ts).
 * Our `custom_args` (`dispatch_id`, `workspace_id`, `batch_id`) arrive as top-level fields. The provider
 * message id is the `X-Message-Id` the send answered with: the part of `sg_message_id` before its first dot.
 */
import { type BounceType, type DeliveryStatus, deliveryStatusEvent } from '../../../email/delivery-status';
import type { OutgoingEvent } from '../../../events/publisher';
import { moduleLogger } from '../../../observability/logger';

const log = moduleLogger('sendgrid-webhooks');

export interface SendGridEvent {
  event: string;
  email?: string;
  timestamp?: number;
  sg_event_id?: string;
  sg_message_id?: string;
  type?: string;
  reason?: string;
  response?: string;
  url?: string;
  dispatch_id?: string;
  workspace_id?: string;
  [field: string]: unknown;
}

const STATUS: Record<string, DeliveryStatus> = {
  processed: 'sent',
  delivered: 'delivered',
  deferred: 'deferred',
  bounce: 'bounced',
  dropped: 'dropped',
  spamreport: 'complained',
  open: 'opened',
  click: 'clicked',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
};

/** `bounce` with `type: "bounce"` is a hard bounce; `type: "blocked"` a temporary refusal. */
const bounceType = (event: SendGridEvent): BounceType => (event.type === 'bounce' ? 'hard' : event.type === 'blocked' ? 'soft' : 'undetermined');

export function sendGridEventReports(event: SendGridEvent, workspaceId: string, source: string): OutgoingEvent[] {
  const status = STATUS[event.event];
  if (!status) return [];
  if (typeof event.dispatch_id !== 'string' || !event.dispatch_id || typeof event.email !== 'string') {
    // Mail this layer did not send (another sender on the same account): nothing to report.
    log.info('SendGrid event without our dispatch_id ignored', { event: event.event, sg_event_id: event.sg_event_id ?? null });
    return [];
  }
  const seconds = typeof event.timestamp === 'number' && Number.isFinite(event.timestamp) ? event.timestamp : undefined;
  const reason = status === 'deferred' ? (event.response ?? event.reason) : status === 'bounced' || status === 'dropped' ? (event.reason ?? event.response) : undefined;
  const providerMessageId = typeof event.sg_message_id === 'string' && event.sg_message_id ? event.sg_message_id.split('.')[0]! : null;
  return [
    deliveryStatusEvent({
      payload: {
        dispatch_id: event.dispatch_id,
        workspace_id: workspaceId,
        provider: 'sendgrid',
        provider_message_id: providerMessageId,
        recipient: event.email,
        status,
        ...(status === 'bounced' ? { bounce_type: bounceType(event) } : {}),
        ...(typeof reason === 'string' && reason ? { reason: reason.slice(0, 1000) } : {}),
        occurred_at: new Date(seconds === undefined ? Date.now() : seconds * 1000).toISOString(),
      },
      idParts: [event.sg_event_id ?? `${providerMessageId}:${event.event}:${event.email}:${seconds}`],
      source,
    }),
  ];
}

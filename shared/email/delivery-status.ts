/**
 * The one schema of delivery status events, whichever provider reported them, on
 * `ionflux.email.delivery_status`: `event_type` `email.<status>`, `payload_json`
 * `{ dispatch_id, workspace_id, provider, provider_message_id, recipient, status, bounce_type?, reason?,
 * occurred_at }`. Keyed by dispatch id: one message's events stay in order on one partition. The event id
 * derives from the provider's own event identity, so a redelivered notification yields the same id.
 */
import { createPlatformEvent } from '../events/platform-event';
import type { OutgoingEvent } from '../events/publisher';
import { topics } from '../events/topics';

export const DELIVERY_STATUSES = ['sent', 'delivered', 'deferred', 'bounced', 'dropped', 'complained', 'opened', 'clicked', 'unsubscribed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** `hard`: the address does not exist (suppressed); `soft`: a temporary refusal; `undetermined`: the provider cannot tell. */
export type BounceType = 'hard' | 'soft' | 'undetermined';

export interface DeliveryStatusPayload {
  dispatch_id: string;
  workspace_id: string;
  /** ses, sendgrid, embedded, or ionflux (our own unsubscribe link). */
  provider: string;
  provider_message_id: string | null;
  recipient: string;
  status: DeliveryStatus;
  bounce_type?: BounceType;
  reason?: string;
  occurred_at: string;
}

export const deliveryEventType = (status: DeliveryStatus): string => `email.${status}`;

export interface StatusReport {
  payload: DeliveryStatusPayload;
  /** The provider's identity of this report (e.g. sg_event_id, or SES message id + type + recipient + time). */
  idParts: string[];
  source: string;
}

export function deliveryStatusEvent(report: StatusReport): OutgoingEvent {
  const { payload } = report;
  const occurred = new Date(payload.occurred_at);
  const event = createPlatformEvent({
    idParts: [payload.provider, ...report.idParts],
    eventType: deliveryEventType(payload.status),
    workspaceId: payload.workspace_id,
    source: report.source,
    ...(Number.isNaN(occurred.getTime()) ? {} : { timestamp: occurred }),
    payload: { ...payload },
  });
  return { topic: topics.emailDeliveryStatus(), key: payload.dispatch_id, event };
}

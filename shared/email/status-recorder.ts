/**
 * What the delivery status events mean for the email service itself (the `email-status-recorder`
 * consumer of `ionflux.email.delivery_status`, whichever provider reported them):
 * - a hard bounce or a complaint suppresses the address for every category of the workspace, an
 *   unsubscribe for its marketing mail;
 * - a provider's report on a dispatch (sent, delivered, deferred, bounced, dropped) confirms that the
 *   provider took it: a send left in doubt by a crash is then not sent again.
 */
import type { PlatformEvent } from '../events/platform-event';
import { type DeliveryStatusPayload, DELIVERY_STATUSES, deliveryEventType } from './delivery-status';
import type { ConfirmationStore } from './dispatch-store';
import type { SuppressionReason, SuppressionStore } from './suppressions';

/** Reports that prove the provider accepted the message. */
const CONFIRMING = new Set(['sent', 'delivered', 'deferred', 'bounced', 'dropped']);

export const STATUS_RECORDER_EVENT_TYPES = DELIVERY_STATUSES.filter((s) => CONFIRMING.has(s) || s === 'complained' || s === 'unsubscribed').map(deliveryEventType);

export class DeliveryStatusRecorder {
  constructor(
    private readonly deps: {
      suppressions: Pick<SuppressionStore, 'add'>;
      confirmations: Pick<ConfirmationStore, 'confirm'>;
    },
  ) {}

  async record(event: PlatformEvent): Promise<void> {
    const payload = event.payload_json as unknown as DeliveryStatusPayload;
    if (typeof payload.dispatch_id !== 'string' || typeof payload.recipient !== 'string') return;
    const work: Array<Promise<unknown>> = [];
    const reason: SuppressionReason | undefined =
      payload.status === 'complained' ? 'complaint' : payload.status === 'unsubscribed' ? 'unsubscribe' : payload.status === 'bounced' && payload.bounce_type === 'hard' ? 'hard_bounce' : undefined;
    if (reason) {
      work.push(this.deps.suppressions.add({ workspaceId: event.workspace_id, email: payload.recipient, reason, source: payload.provider, dispatchId: payload.dispatch_id }));
    }
    if (CONFIRMING.has(payload.status) && payload.provider !== 'ionflux') {
      work.push(this.deps.confirmations.confirm(payload.dispatch_id, { provider: payload.provider, provider_message_id: payload.provider_message_id ?? null, status: payload.status }));
    }
    await Promise.all(work);
  }
}

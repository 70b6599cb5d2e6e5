/** ionflux.email.delivery_status (MSK): suppressions from bounces, complaints and unsubscribes; send confirmations. */
import { STATUS_RECORDER_EVENT_TYPES } from '../../shared/email/status-recorder';
import { mskConsumer } from '../../shared/events/msk-consumer';
import { deliveryStatusRecorder } from '../../shared/runtime/email';

export const handler = mskConsumer(
  async ({ event }) => {
    await deliveryStatusRecorder().record(event);
  },
  { eventTypes: STATUS_RECORDER_EVENT_TYPES },
);

/** Every 15 minutes: parked webhooks whose account is now connected are replayed into Kafka. */
import type { Context } from 'aws-lambda';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { replayableWebhookProviders } from '../../shared/runtime/whatsapp-webhooks';
import { withinDeadline } from '../../shared/timing';
import { replayParked } from '../../shared/webhooks/replay';

export const handler = async (_event: unknown, context: Context) =>
  withinDeadline(Date.now() + context.getRemainingTimeInMillis() - 5000, (deadline) => replayParked(replayableWebhookProviders(), webhookDeps(), { deadline }), { backstop: false });

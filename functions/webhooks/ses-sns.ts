/**
 * SES sending events (configuration set → SNS topic `email-events`) → ionflux.email.delivery_status,
 * through the webhook pipeline's de-duplication, routing and publishing. No public endpoint: AWS
 * invokes this function with the notification, so there is no signature or certificate to check.
 */
import { errorMessage } from '../../shared/errors';
import { moduleLogger } from '../../shared/observability/logger';
import { webhookDeps } from '../../shared/runtime/webhooks';
import { snsHandler } from '../../shared/sns/sns-handler';
import { MalformedWebhookError } from '../../shared/webhooks/errors';
import { processDelivery } from '../../shared/webhooks/pipeline';
import type { WebhookRequest } from '../../shared/webhooks/provider';
import { sesEvents } from '../../shared/webhooks/providers/ses/events';

const log = moduleLogger('ses-events');

export const handler = snsHandler(async (records, deadline) => {
  for (const record of records) {
    const request: WebhookRequest = { rawBody: Buffer.from(record.Sns.Message, 'utf8'), headers: {}, query: {}, receivedAt: Date.now() };
    let deliveries;
    try {
      deliveries = sesEvents.parse(request);
    } catch (error) {
      // Never an SES event: retrying cannot help.
      if (!(error instanceof MalformedWebhookError)) throw error;
      log.error('SNS notification is not an SES event; skipped', { sns_message_id: record.Sns.MessageId, topic: record.Sns.TopicArn, error: errorMessage(error) });
      continue;
    }
    for (const delivery of deliveries) {
      const outcome = await processDelivery(sesEvents, delivery, request, webhookDeps(), { deadline });
      log.info('SES event', { kind: delivery.kind, sns_message_id: record.Sns.MessageId, status: outcome.status });
    }
  }
});

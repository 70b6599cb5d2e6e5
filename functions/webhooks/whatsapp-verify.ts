/** GET /webhooks/whatsapp (signature): Meta's subscription check — the hub.challenge as text, or 403. */
import { httpHandler } from '../../shared/http/handler';
import { text } from '../../shared/http/response';
import { secretResolver } from '../../shared/runtime/secrets';
import { whatsappWebhooks } from '../../shared/runtime/whatsapp-webhooks';
import { answerHandshake } from '../../shared/webhooks/pipeline';

export const handler = httpHandler(async (request) => text(200, await answerHandshake(whatsappWebhooks(), request.query, { secrets: secretResolver() })), { maxBodyBytes: 1024 });

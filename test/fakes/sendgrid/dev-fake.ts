/**
 * The fake SendGrid as a dev tool: `npx ionflux dev fake sendgrid` answers v3 Mail Send (key checked,
 * X-RateLimit-* headers, 429 over the limit) and, like SendGrid's Signed Event Webhook, posts `processed`
 * and `delivered` events for every message to the runtime's /webhooks/sendgrid, signed with a key pair it
 * makes (its public half goes in the secret it prints).
 */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { eventWebhookKeys, FakeSendGrid, type SendGridMessage, signedEventWebhook } from './fake-sendgrid';

export const sendGridDevFake: DevFake = {
  summary: 'SendGrid v3 Mail Send (X-RateLimit headers, 429) posting signed Event Webhook events to the runtime',
  options: {
    'api-key': { type: 'string', description: 'the API key it accepts', default: 'SG.dev-fake-sendgrid' },
    'webhook-url': { type: 'string', description: 'where it posts events (off: none)', default: 'http://127.0.0.1:3000/webhooks/sendgrid' },
  },
  async start({ port, secretRoot, values }) {
    const apiKey = String(values['api-key'] ?? 'SG.dev-fake-sendgrid');
    const webhookUrl = String(values['webhook-url'] ?? 'http://127.0.0.1:3000/webhooks/sendgrid');
    const keys = eventWebhookKeys();
    let fake: FakeSendGrid;
    const postEvents = (message: SendGridMessage) => {
      if (webhookUrl === 'off') return;
      const { body, headers } = signedEventWebhook([fake.event(message, 'processed'), fake.event(message, 'delivered', { response: '250 OK' })], keys.privateKey);
      fetch(webhookUrl, { method: 'POST', headers, body }).then(
        (response) => console.log(`events of ${message.messageId} → ${webhookUrl}: ${response.status}`),
        (error: unknown) => console.log(`events of ${message.messageId} not delivered to ${webhookUrl}: ${(error as Error).message}`),
      );
    };
    fake = await new FakeSendGrid({ keys: [apiKey], onMessage: (message) => setTimeout(() => postEvents(message), 200) }).start(port);
    return {
      origin: fake.baseUrl,
      env: { IONFLUX_EMAIL_TRANSPORT: 'sendgrid' },
      secrets: { [platformSecretName(secretRoot, 'sendgrid')]: { api_key: apiKey, base_url: fake.baseUrl, webhook_public_key: keys.publicKey } },
      notes: [`POST ${fake.baseUrl}/v3/mail/send; a wrong key gets 401`, webhookUrl === 'off' ? 'events: off' : `events: processed + delivered of every message → ${webhookUrl} (signed)`],
      stop: () => fake.close(),
    };
  },
};

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { normaliseAccountId } from '../../shared/connections/account-ids';
import { secretResolver } from '../../shared/runtime/secrets';
import { signedShopifyHeaders } from '../../shared/webhooks/providers/shopify/shopify-hmac';
import shopifyTopics from '../../shared/webhooks/providers/shopify/webhook-topics.json';
import { type Command, UsageError } from '../command';
import { sampleShopifyPayload } from '../shopify-samples';

const options = { shop: { type: 'string' }, file: { type: 'string' }, url: { type: 'string' }, 'event-id': { type: 'string' } } as const;

export const webhookSend: Command = {
  path: ['webhook', 'send'],
  usage: 'ionflux webhook send shopify <topic> --shop <domain> [--file <payload.json>] [--url <runtime URL>] [--event-id <id>]',
  summary: 'sign a sample (or the given) webhook with the configured app secret and post it to the local runtime (default http://127.0.0.1:$PORT); the same --event-id twice is a duplicate',
  options,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
    const [provider, topic, ...rest] = positionals;
    if (provider !== 'shopify' || !topic || rest.length || !values.shop) throw new UsageError(this.usage);
    if (!shopifyTopics.topics.includes(topic)) {
      const [entity] = topic.split('/');
      const alike = shopifyTopics.topics.filter((t) => t.startsWith(`${entity}/`));
      throw new UsageError(`Shopify has no webhook topic "${topic}"${alike.length ? `; ${entity} topics: ${alike.join(', ')}` : ' (see shared/webhooks/providers/shopify/webhook-topics.json)'}`);
    }
    const shop = normaliseAccountId('shopify', values.shop);
    const body = values.file ? fs.readFileSync(values.file) : Buffer.from(JSON.stringify(sampleShopifyPayload(topic, shop)));
    const secret = (await secretResolver().platform('shopify')).require('client_secret');
    const base = values.url ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
    const eventId = values['event-id'];
    let response: Response;
    try {
      response = await fetch(`${base.replace(/\/$/, '')}/webhooks/shopify`, {
        method: 'POST',
        headers: signedShopifyHeaders(body, secret, { topic, shop, ...(eventId ? { eventId } : {}) }),
        body,
      });
    } catch (error) {
      throw new Error(`could not reach ${base} (is npm run dev running?): ${(error as Error).message}`);
    }
    io.out(`${response.status} ${await response.text()}`);
    return response.ok ? 0 : 1;
  },
};

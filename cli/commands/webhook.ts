import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { normaliseAccountId } from '../../shared/connections/account-ids';
import { secretResolver } from '../../shared/runtime/secrets';
import { signedShopifyHeaders } from '../../shared/webhooks/providers/shopify/shopify-hmac';
import { SHOPIFY_TOPIC } from '../../shared/webhooks/providers/shopify/topics';
import { type Command, UsageError } from '../command';
import { sampleShopifyPayload } from '../shopify-samples';

export const webhookSend: Command = {
  path: ['webhook', 'send'],
  usage: 'ionflux webhook send shopify <topic> --shop <domain> [--file payload.json] [--url http://127.0.0.1:3000]',
  summary: 'sign a sample (or given) webhook with the configured secret and post it to the local runtime',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { shop: { type: 'string' }, file: { type: 'string' }, url: { type: 'string' }, 'event-id': { type: 'string' } },
      allowPositionals: true,
    });
    const [provider, topic, ...rest] = positionals;
    if (provider !== 'shopify' || !topic || rest.length || !values.shop) throw new UsageError(this.usage);
    if (!SHOPIFY_TOPIC.test(topic)) throw new UsageError(`"${topic}" is not a Shopify topic such as orders/create`);
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

/** Building Shopify webhook deliveries in tests, signed as Shopify signs them. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as shopifyWebhookHandler } from '../../functions/webhooks/shopify';
import { platformSecretName } from '../../shared/secrets/names';
import { signedShopifyHeaders } from '../../shared/webhooks/providers/shopify/shopify-hmac';
import { secretRoot } from './environment';
import { invokeHttp, type InvokeResult } from './http';
import { storeSecret } from './secrets';

export const SHOPIFY_SECRET = `shpss_${randomUUID().replace(/-/g, '')}`;

export async function configureShopifySecret(secret = SHOPIFY_SECRET): Promise<void> {
  await storeSecret(platformSecretName(secretRoot(), 'shopify'), { client_secret: secret });
}

export interface ShopifyDeliveryOptions {
  topic: string;
  shop: string;
  payload?: unknown;
  body?: Buffer | string;
  eventId?: string;
  webhookId?: string;
  secret?: string;
  headers?: Record<string, string | undefined>;
  signature?: string;
}

export function shopifyDelivery(options: ShopifyDeliveryOptions): { headers: Record<string, string | undefined>; body: Buffer } {
  const body = options.body !== undefined ? Buffer.from(options.body) : Buffer.from(JSON.stringify(options.payload ?? { id: 1 }));
  return {
    body,
    headers: {
      ...signedShopifyHeaders(body, options.secret ?? SHOPIFY_SECRET, {
        topic: options.topic,
        shop: options.shop,
        ...(options.webhookId ? { webhookId: options.webhookId } : {}),
        ...(options.eventId ? { eventId: options.eventId } : {}),
      }),
      ...(options.signature !== undefined ? { 'x-shopify-hmac-sha256': options.signature } : {}),
      ...options.headers,
    },
  };
}

export function sendShopifyWebhook(options: ShopifyDeliveryOptions): Promise<InvokeResult> {
  const { headers, body } = shopifyDelivery(options);
  return invokeHttp(shopifyWebhookHandler as unknown as (e: APIGatewayProxyEventV2, c: unknown) => Promise<unknown>, {
    method: 'POST',
    rawPath: '/webhooks/shopify',
    routeKey: 'POST /webhooks/shopify',
    headers,
    body,
  });
}

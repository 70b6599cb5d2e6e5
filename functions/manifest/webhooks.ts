/** Inbound webhooks and the consumers of their events (Sales Sentinel feed). */
import type { FunctionSpec } from '../manifest-types';
import { whatsappWebhookState } from './whatsapp';

export const webhookFunctions: FunctionSpec[] = [
  {
    id: 'webhook-shopify',
    entry: 'functions/webhooks/shopify.ts',
    description: 'Shopify webhooks: verified (HMAC), de-duplicated, routed to the workspace and published to Kafka.',
    trigger: { http: { method: 'POST', path: '/webhooks/shopify', auth: 'signature' } },
    memoryMb: 512,
    timeoutS: 10,
    needs: ['kafka', 'secret:shopify', 'dynamodb:connections', 'dynamodb:webhook-dedup', 'dynamodb:parked-webhooks'],
  },
  {
    id: 'webhook-tiktok',
    entry: 'functions/webhooks/tiktok.ts',
    description: 'TikTok webhooks: verified (TikTok-Signature, 5-minute tolerance), de-duplicated, routed by open_id and published to Kafka; authorization.removed marks the connection revoked.',
    trigger: { http: { method: 'POST', path: '/webhooks/tiktok', auth: 'signature' } },
    memoryMb: 512,
    timeoutS: 10,
    needs: ['kafka', 'secret:tiktok', 'dynamodb:connections', 'dynamodb:webhook-dedup', 'dynamodb:parked-webhooks'],
  },
  {
    id: 'webhooks-replay-parked',
    entry: 'functions/webhooks/replay-parked.ts',
    description: 'Replays parked webhooks whose account has since been connected to a workspace.',
    trigger: { schedule: { expression: 'rate(15 minutes)' } },
    memoryMb: 512,
    timeoutS: 120,
    needs: ['kafka', 'dynamodb:connections', 'dynamodb:webhook-dedup', 'dynamodb:parked-webhooks', ...whatsappWebhookState],
  },
  {
    id: 'sentinel-order-counter',
    entry: 'functions/sentinel/order-counter.ts',
    description: 'Sales Sentinel feed: per-workspace order counters from shopify.orders.created events.',
    trigger: { kafka: { topics: ['ionflux.shopify.all_workspaces'], eventTypes: ['shopify.orders.created'], batchSize: 100 } },
    memoryMb: 256,
    timeoutS: 60,
    needs: ['dynamodb:order-counters'],
  },
  {
    id: 'sentinel-get-order-counters',
    entry: 'functions/sentinel/get-order-counters.ts',
    description: 'Reads the Sales Sentinel order counters of a workspace (totals and per day).',
    trigger: { http: { method: 'GET', path: '/v1/sentinel/workspaces/{workspace_id}/order-counters', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:order-counters:read'],
  },
];

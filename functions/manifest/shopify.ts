/** Shopify integration: OAuth install, data access, Sentinel actions, syncs (issue 5). */
import type { FunctionSpec, Need } from '../manifest-types';

/** What every function calling the Admin API for a shop may touch: tokens (read, refresh, rotate), the
 * refresh locks, the connection (marked revoked when Shopify refuses a refresh) and the outbox (that
 * event, and the few others these functions publish: none of them talks to Kafka or needs the VPC). */
const adminApi: Need[] = ['sqs:outbox', 'secret:shopify', 'connection-tokens:shopify', 'dynamodb:connections', 'dynamodb:shopify-token-locks'];

export const shopifyFunctions: FunctionSpec[] = [
  {
    id: 'shopify-install-link',
    entry: 'functions/shopify/install-link.ts',
    description: 'Issues the signed, expiring link that connects a Shopify store to a workspace (the install route accepts nothing else).',
    trigger: { http: { method: 'POST', path: '/v1/shopify/workspaces/{workspace_id}/install-link', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['secret:shopify'],
  },
  {
    id: 'shopify-oauth-install',
    entry: 'functions/shopify/oauth-install.ts',
    description: 'Starts a Shopify app install from a signed install link: single-use state, then a redirect to the shop’s authorize page.',
    trigger: { http: { method: 'GET', path: '/oauth/shopify/install', auth: 'public' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['secret:shopify', 'dynamodb:shopify-oauth-states'],
  },
  {
    id: 'shopify-oauth-callback',
    entry: 'functions/shopify/oauth-callback.ts',
    description: 'Shopify OAuth callback: verifies hmac, timestamp and state, stores the expiring offline token, records the connection, registers webhooks, publishes shopify.app.installed.',
    trigger: { http: { method: 'GET', path: '/oauth/shopify/callback', auth: 'public' } },
    memoryMb: 512,
    timeoutS: 29,
    needs: [...adminApi, 'dynamodb:shopify-oauth-states', 'dynamodb:shopify-shop-state'],
  },
  {
    id: 'shopify-data',
    entry: 'functions/shopify/data.ts',
    description: 'Agents read a workspace’s shop: shop, orders, products, inventory, customers (PII only when asked), themes, script tags.',
    trigger: { http: { method: 'GET', path: '/v1/shopify/workspaces/{workspace_id}/{resource}', auth: 'iam' } },
    memoryMb: 512,
    timeoutS: 29,
    needs: [...adminApi, 'dynamodb:shopify-shop-state:read'],
  },
  {
    id: 'shopify-theme-rollback',
    entry: 'functions/shopify/theme-rollback.ts',
    description: 'Sales Sentinel: publishes the previous main theme again (themePublish), or reports the plan in dry-run mode; audited as a PlatformEvent.',
    trigger: { http: { method: 'POST', path: '/v1/shopify/workspaces/{workspace_id}/themes/rollback', auth: 'iam' } },
    memoryMb: 512,
    timeoutS: 29,
    needs: [...adminApi, 'dynamodb:shopify-shop-state'],
  },
  {
    id: 'shopify-script-tags-deactivate',
    entry: 'functions/shopify/script-tags-deactivate.ts',
    description: 'Sales Sentinel: lists script tags and deletes the selected ones (scriptTagDelete), or reports them in dry-run mode; audited as a PlatformEvent.',
    trigger: { http: { method: 'POST', path: '/v1/shopify/workspaces/{workspace_id}/script-tags/deactivate', auth: 'iam' } },
    memoryMb: 512,
    timeoutS: 29,
    needs: [...adminApi, 'dynamodb:shopify-shop-state:read'],
  },
  {
    id: 'shopify-sync-schedule-catalog',
    entry: 'functions/shopify/sync-schedule-catalog.ts',
    description: 'Nightly: one shopify-sync message per connected shop for a full product catalog sync.',
    trigger: { schedule: { expression: 'cron(0 3 * * ? *)' } },
    memoryMb: 256,
    timeoutS: 60,
    needs: ['dynamodb:connections:read', 'sqs:shopify-sync'],
  },
  {
    id: 'shopify-sync-schedule-reconcile',
    entry: 'functions/shopify/sync-schedule-reconcile.ts',
    description: 'Hourly: one shopify-sync message per connected shop for an order reconciliation pass.',
    trigger: { schedule: { expression: 'rate(1 hour)' } },
    memoryMb: 256,
    timeoutS: 60,
    needs: ['dynamodb:connections:read', 'sqs:shopify-sync'],
  },
  {
    id: 'shopify-sync-worker',
    entry: 'functions/shopify/sync-worker.ts',
    description: 'Runs one shop’s sync: catalog via a bulk operation (shopify.products.synced in batches) or order reconciliation since the watermark.',
    // Each run holds a GB for up to 15 minutes: a nightly fan-out over every shop runs five at a time.
    trigger: { sqs: { queue: 'shopify-sync', batchSize: 1, maxConcurrency: 5 } },
    memoryMb: 1024,
    timeoutS: 900,
    // Kafka for the syncs' events (batches, per-order ordering); the outbox stays its fallback.
    needs: [...adminApi, 'kafka', 'dynamodb:shopify-shop-state'],
  },
  {
    id: 'shopify-webhook-state',
    entry: 'functions/shopify/webhook-state.ts',
    description: 'Remembers each shop’s main theme (themes/publish) and the orders seen on Kafka, for theme rollback and reconciliation.',
    trigger: {
      kafka: {
        topics: ['ionflux.shopify.all_workspaces'],
        eventTypes: [
          'shopify.themes.publish',
          'shopify.orders.created',
          'shopify.orders.updated',
          'shopify.orders.paid',
          'shopify.orders.cancelled',
          'shopify.orders.fulfilled',
          'shopify.orders.partially_fulfilled',
        ],
        batchSize: 100,
      },
    },
    memoryMb: 256,
    timeoutS: 60,
    needs: ['dynamodb:shopify-shop-state'],
  },
];

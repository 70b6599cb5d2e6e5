/**
 * Webhook subscriptions for a shop, through the GraphQL Admin API: every topic the backbone handles
 * (shared/webhooks/providers/shopify/topics.ts) pointed at our `POST /webhooks/shopify`. Existing
 * subscriptions to the same address are listed first and kept, so registering again (a reinstall, the
 * reconciliation's repair pass after Shopify deleted failing subscriptions) creates only what is missing.
 * One topic failing (e.g. not available to the app's scopes) does not stop the others; it is reported.
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { type ShopifyGraphqlClient, userErrorsOf } from './graphql-client';
import { collectAll, type GraphqlConnection, paginate } from './pagination';

const log = moduleLogger('shopify');

const LIST = `query WebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    edges { cursor node { id topic uri } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const CREATE = `mutation CreateWebhookSubscription($topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}`;

/** `orders/create` → `ORDERS_CREATE`, the GraphQL enum value. */
export const webhookTopicEnum = (topic: string): string => topic.replace('/', '_').toUpperCase();

export interface WebhookSubscription {
  id: string;
  topic: string;
  uri: string;
}

export interface RegistrationReport {
  uri: string;
  created: string[];
  existing: string[];
  failed: Array<{ topic: string; message: string }>;
}

type Client = Pick<ShopifyGraphqlClient, 'request'>;

export async function listWebhookSubscriptions(client: Client, deadline: number): Promise<WebhookSubscription[]> {
  return collectAll(
    paginate<WebhookSubscription>(async (after) => {
      const data = await client.request<{ webhookSubscriptions: GraphqlConnection<WebhookSubscription> }>(LIST, { after }, { deadline, estimatedCost: 12 });
      return data.webhookSubscriptions;
    }),
  );
}

export async function registerWebhooks(
  client: Client,
  options: { uri: string; topics: readonly string[]; deadline: number; concurrency?: number },
): Promise<RegistrationReport> {
  const existing = await listWebhookSubscriptions(client, options.deadline);
  const have = new Set(existing.filter((s) => s.uri === options.uri).map((s) => s.topic));
  const report: RegistrationReport = { uri: options.uri, created: [], existing: [], failed: [] };
  const missing: string[] = [];
  for (const topic of options.topics) (have.has(webhookTopicEnum(topic)) ? report.existing : missing).push(topic);

  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const topic = missing[next++]!;
      try {
        const data = await client.request<{ webhookSubscriptionCreate: { webhookSubscription: WebhookSubscription | null; userErrors: unknown[] } }>(
          CREATE,
          { topic: webhookTopicEnum(topic), subscription: { uri: options.uri, format: 'JSON' } },
          { deadline: options.deadline, estimatedCost: 10 },
        );
        const errors = userErrorsOf(data.webhookSubscriptionCreate);
        if (errors.length || !data.webhookSubscriptionCreate.webhookSubscription) {
          report.failed.push({ topic, message: errors.map((e) => e.message).join('; ') || 'no subscription returned' });
        } else {
          report.created.push(topic);
        }
      } catch (error) {
        report.failed.push({ topic, message: errorMessage(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, missing.length)) }, worker));
  if (report.failed.length) log.warn('some Shopify webhook subscriptions could not be created', { failed: report.failed });
  return report;
}

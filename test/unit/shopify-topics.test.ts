/** The list of Shopify's webhook topics (data) that `ionflux webhook send` checks against. */
import known from '../../shared/webhooks/providers/shopify/webhook-topics.json';
import { SHOPIFY_TOPIC, shopifyComplianceTopics, shopifyWebhookTopics } from '../../shared/webhooks/providers/shopify/topics';

describe("Shopify's webhook topics", () => {
  it('holds every topic we subscribe to and the compliance topics, each spelled as Shopify sends it', () => {
    expect([...shopifyWebhookTopics, ...shopifyComplianceTopics].filter((t) => !known.topics.includes(t))).toEqual([]);
    expect(known.topics.filter((t) => !SHOPIFY_TOPIC.test(t))).toEqual([]);
    expect(new Set(known.topics).size).toBe(known.topics.length);
    expect(known.topics).toEqual([...known.topics].sort());
  });
});

import { InvalidTopicNameError } from '../../shared/events/errors';
import { fanInFamilies, MAX_TOPIC_LENGTH, shopifyEntityAction, shopifyEventType, topics, validateTopicName } from '../../shared/events/topics';

describe('Kafka topic names', () => {
  it('maps Shopify webhook topics to workspace topics with past-tense actions', () => {
    expect(topics.shopify('acme42', 'orders/create')).toBe('ionflux.shopify.ws_acme42.orders.created');
    expect(topics.shopify('acme42', 'products/update')).toBe('ionflux.shopify.ws_acme42.products.updated');
    expect(topics.shopify('acme42', 'customers/delete')).toBe('ionflux.shopify.ws_acme42.customers.deleted');
    expect(topics.shopify('acme42', 'orders/paid')).toBe('ionflux.shopify.ws_acme42.orders.paid');
    expect(topics.shopify('acme42', 'app/uninstalled')).toBe('ionflux.shopify.ws_acme42.app.uninstalled');
    expect(topics.shopify('acme42', 'inventory_levels/update')).toBe('ionflux.shopify.ws_acme42.inventory_levels.updated');
    expect(topics.shopify('acme42', 'themes/publish')).toBe('ionflux.shopify.ws_acme42.themes.publish');
    expect(shopifyEventType('orders/create')).toBe('shopify.orders.created');
    expect(shopifyEventType('customers/data_request')).toBe('shopify.customers.data_request');
  });

  it('builds every topic family of the seed', () => {
    expect(topics.emailDeliveryStatus()).toBe('ionflux.email.delivery_status');
    expect(topics.whatsappIncoming('acme')).toBe('ionflux.whatsapp.ws_acme.incoming_message');
    expect(topics.agentOutputs('agent_004', 'acme')).toBe('ionflux.agent.agent_004.ws_acme.outputs');
    expect(topics.platform('user_activity')).toBe('ionflux.platform.user_activity');
    expect(topics.shopifyEntity('acme', 'orders')).toBe('ionflux.shopify.ws_acme.orders');
    expect(topics.tiktok('acme', 'authorization_removed')).toBe('ionflux.tiktok.ws_acme.authorization_removed');
    expect(topics.shopifyAllWorkspaces()).toBe('ionflux.shopify.all_workspaces');
    expect(fanInFamilies.map((f) => topics.allWorkspaces(f))).toEqual(['ionflux.shopify.all_workspaces', 'ionflux.whatsapp.all_workspaces', 'ionflux.tiktok.all_workspaces', 'ionflux.agent.all_workspaces']);
  });

  it('refuses names Kafka would refuse or that would break the naming scheme', () => {
    expect(() => validateTopicName('')).toThrow(InvalidTopicNameError);
    expect(() => validateTopicName('..')).toThrow(InvalidTopicNameError);
    expect(() => validateTopicName('a b')).toThrow(/letters, digits/);
    expect(() => validateTopicName('x'.repeat(MAX_TOPIC_LENGTH + 1))).toThrow(/1–249/);
    expect(validateTopicName('x'.repeat(MAX_TOPIC_LENGTH))).toHaveLength(249);
    expect(() => topics.shopify('acme.evil', 'orders/create')).toThrow(/workspace_id/);
    expect(() => topics.shopify('acme', 'orders-create')).toThrow(/entity\/verb/);
    expect(() => topics.agentOutputs('Agent One', 'acme')).toThrow(InvalidTopicNameError);
    expect(() => shopifyEntityAction('orders/Create')).toThrow(InvalidTopicNameError);
  });
});

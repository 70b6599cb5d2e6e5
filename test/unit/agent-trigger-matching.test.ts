/** The trigger index: exact types, prefixes, topics, payload filters — and never another workspace's events. */
import { compilePayloadFilter } from '../../shared/agents/payload-filter';
import { type AgentRegistration, parseRegistration } from '../../shared/agents/registration';
import { WorkspaceTriggerIndex } from '../../shared/agents/trigger-index';
import { createPlatformEvent } from '../../shared/events/platform-event';
import { topics } from '../../shared/events/topics';

const registration = (workspace_id: string, agent_id: string, triggers: unknown[]): AgentRegistration => ({
  workspace_id,
  agent_id,
  ...parseRegistration(workspace_id, agent_id, { triggers_config_json_array: triggers, outputs_config_json_array: [] }),
  created_at: '',
  updated_at: '',
  revision: 1,
});

const event = (workspaceId: string, eventType: string, payload: Record<string, unknown> = {}) =>
  createPlatformEvent({ idParts: [Math.random().toString()], eventType, workspaceId, source: 'test', payload });

describe('trigger matching', () => {
  const index = new WorkspaceTriggerIndex('acme', [
    registration('acme', 'orders', [{ type: 'event_stream', event_types: ['shopify.orders.created'] }]),
    registration('acme', 'big_orders', [{ type: 'event_stream', event_types: ['shopify.orders.created'], filter: { 'data.total_price': { gte: 100 }, 'data.currency': 'EUR' } }]),
    registration('acme', 'all_shopify', [{ type: 'event_stream', event_types: ['shopify.*', 'shopify.orders.created'] }]),
    registration('acme', 'by_topic', [{ type: 'schedule' }, { type: 'event_stream', topics: [topics.agentOutputs('writer', 'acme')] }]),
    registration('acme', 'email', [{ type: 'event_stream', event_types: ['email.delivered'], topics: [topics.emailDeliveryStatus()] }]),
    // A registration of another workspace handed to this index by mistake is ignored.
    registration('other', 'intruder', [{ type: 'event_stream', event_types: ['shopify.orders.created'] }]),
  ]);
  const at = (topic: string) => ({ origin: topic, record: topic });
  const agents = (matches: Array<{ agentId: string; triggerIndex: number }>) => matches.map((m) => `${m.agentId}#${m.triggerIndex}`).sort();

  it('matches exact types, prefixes (once per trigger), topics and filters', () => {
    const order = event('acme', 'shopify.orders.created', { data: { total_price: '120.50', currency: 'EUR' } });
    expect(agents(index.match(order, at(topics.shopify('acme', 'orders/create'))))).toEqual(['all_shopify#0', 'big_orders#0', 'orders#0']);
    const small = event('acme', 'shopify.orders.created', { data: { total_price: '12.00', currency: 'EUR' } });
    expect(agents(index.match(small, at(topics.shopify('acme', 'orders/create'))))).toEqual(['all_shopify#0', 'orders#0']);
    expect(agents(index.match(event('acme', 'shopify.products.updated'), at('x')))).toEqual(['all_shopify#0']);
    const output = event('acme', 'agent.post.written');
    expect(agents(index.match(output, { origin: topics.agentOutputs('writer', 'acme'), record: topics.allWorkspaces('agent') }))).toEqual(['by_topic#1']);
    expect(index.match(output, { origin: topics.agentOutputs('someone_else', 'acme'), record: topics.allWorkspaces('agent') })).toEqual([]);
    expect(agents(index.match(event('acme', 'email.delivered'), at(topics.emailDeliveryStatus())))).toEqual(['email#0']);
    expect(index.match(event('acme', 'email.delivered'), at('ionflux.email.other'))).toEqual([]);
  });

  it('never matches an event of another workspace', () => {
    const foreign = event('other', 'shopify.orders.created', { data: { total_price: '500', currency: 'EUR' } });
    expect(index.match(foreign, at(topics.shopify('other', 'orders/create')))).toEqual([]);
    expect(index.triggers).toBe(5);
  });

  it('payload filters: operators, numeric strings, missing fields', () => {
    const f = compilePayloadFilter({
      status: { in: ['paid', 'partially_paid'] },
      'customer.email': { exists: true },
      'customer.tags': { not_equals: 'test' },
      'line_items.0.sku': { prefix: 'SKU-' },
      total: { gt: 10, lte: 100 },
    })!;
    const ok = { status: 'paid', customer: { email: 'a@b.c' }, line_items: [{ sku: 'SKU-1' }], total: '50' };
    expect(f(ok)).toBe(true);
    expect(f({ ...ok, status: 'refunded' })).toBe(false);
    expect(f({ ...ok, customer: {} })).toBe(false);
    expect(f({ ...ok, customer: { email: 'a@b.c', tags: 'test' } })).toBe(false);
    expect(f({ ...ok, line_items: [{ sku: 'X-1' }] })).toBe(false);
    expect(f({ ...ok, total: 100 })).toBe(true);
    expect(f({ ...ok, total: '100.01' })).toBe(false);
    expect(f({ ...ok, total: 'lots' })).toBe(false);
    expect(compilePayloadFilter({ flag: false })!({ flag: false })).toBe(true);
    expect(compilePayloadFilter({ n: 5 })!({ n: '5' })).toBe(true);
    expect(compilePayloadFilter({ gone: { exists: false } })!({})).toBe(true);
    expect(compilePayloadFilter({ 'a.__proto__': { exists: true } })!({ a: {} })).toBe(false);
  });
});

/** Every per-workspace event also goes to its family's fan-in, once, with the topic it was published to. */
import { createPlatformEvent } from '../../shared/events/platform-event';
import { toBusMessage, withFanIn } from '../../shared/events/publisher';
import { fanInTopicOf, perWorkspaceTopic, topics } from '../../shared/events/topics';

const event = (eventType: string) => createPlatformEvent({ idParts: [eventType, Math.random().toString()], eventType, workspaceId: 'acme', source: 'test', payload: {} });

describe('fan-in topics', () => {
  it('knows the family and workspace of per-workspace topics', () => {
    expect(perWorkspaceTopic(topics.shopify('acme', 'orders/create'))).toEqual({ family: 'shopify', workspaceId: 'acme' });
    expect(perWorkspaceTopic(topics.whatsappIncoming('a-b_c'))).toEqual({ family: 'whatsapp', workspaceId: 'a-b_c' });
    expect(perWorkspaceTopic(topics.tiktok('acme', 'video_published'))).toEqual({ family: 'tiktok', workspaceId: 'acme' });
    expect(perWorkspaceTopic(topics.agentOutputs('agent_1', 'acme'))).toEqual({ family: 'agent', workspaceId: 'acme' });
    for (const shared of [topics.emailDeliveryStatus(), topics.platform('llm_usage'), topics.allWorkspaces('shopify')]) expect(perWorkspaceTopic(shared)).toBeUndefined();
    expect(fanInTopicOf(topics.agentOutputs('agent_1', 'acme'))).toBe('ionflux.agent.all_workspaces');
  });

  it('adds one fan-in copy per event, replaces copies the caller listed, and leaves shared topics alone', () => {
    const order = event('shopify.orders.created');
    const out = withFanIn([
      { topic: topics.shopify('acme', 'orders/create'), key: '1', event: order },
      { topic: topics.shopifyEntity('acme', 'orders'), key: '1', event: order },
      { topic: topics.shopifyAllWorkspaces(), key: '1', event: order },
    ]);
    expect(out.map((o) => o.topic)).toEqual([topics.shopify('acme', 'orders/create'), topics.shopifyAllWorkspaces(), topics.shopifyEntity('acme', 'orders')]);
    expect(toBusMessage(out[1]!).headers.origin_topic).toBe(topics.shopify('acme', 'orders/create'));
    expect(toBusMessage(out[0]!).headers.origin_topic).toBeUndefined();
    const usage = event('llm.usage.recorded');
    const shared = [{ topic: topics.platform('llm_usage'), key: null, event: usage }];
    expect(withFanIn(shared)).toBe(shared);
    const output = event('agent.lead.scored');
    expect(withFanIn([{ topic: topics.agentOutputs('scorer', 'acme'), key: 'scorer', event: output }]).map((o) => o.topic)).toEqual([topics.agentOutputs('scorer', 'acme'), topics.allWorkspaces('agent')]);
  });
});

/** Agent registrations: the zod shapes, the cross-field rules, the disclaimer rule and the derived topic list. */
import { InvalidRegistrationError, UnofficialMethodsNotAcknowledgedError } from '../../shared/agents/errors';
import { assertAgentId, type AgentRegistration, parseRegistration } from '../../shared/agents/registration';
import { activeTopics } from '../../shared/agents/registry';
import { dispatchTopics } from '../../shared/agents/trigger-topics';

const ws = 'acme';
const register = (body: unknown) => parseRegistration(ws, 'lead_scorer', body);
const problemsOf = (body: unknown): string[] => {
  try {
    register(body);
  } catch (error) {
    return ((error as InvalidRegistrationError).details?.problems as string[]) ?? [];
  }
  throw new Error('expected the registration to be refused');
};

describe('agent registration', () => {
  it('accepts event_stream triggers, event outputs, other trigger types and JSON-string arrays', () => {
    const parsed = register({
      triggers_config_json_array: JSON.stringify([
        { type: 'event_stream', event_types: ['shopify.orders.created', 'shopify.customers.*'], filter: { 'data.total_price': { gte: 100 } } },
        { type: 'event_stream', topics: [`ionflux.agent.other_agent.ws_${ws}.outputs`] },
        { type: 'schedule', cron: '0 9 * * *' },
      ]),
      outputs_config_json_array: [{ type: 'event', target_event_type: 'agent.lead.scored' }, { type: 'notification', channel: 'slack' }],
      required_credentials: ['hubspot', 'hubspot', 'jira_eu'],
    });
    expect(parsed.triggers_config_json_array).toHaveLength(3);
    expect(parsed.triggers_config_json_array[2]).toEqual({ type: 'schedule', cron: '0 9 * * *' });
    expect(parsed.outputs_config_json_array[1]).toEqual({ type: 'notification', channel: 'slack' });
    expect(parsed.required_credentials).toEqual(['hubspot', 'jira_eu']);
  });

  it('refuses malformed triggers and outputs with the path of each problem', () => {
    const problems = problemsOf({
      triggers_config_json_array: [
        { type: 'event_stream' },
        { type: 'event_stream', event_type: 'shopify.orders.created' },
        { type: 'event_stream', event_types: ['Shopify Orders'] },
        { type: 'event_stream', event_types: ['shopify.orders.created'], filter: { 'a..b': 1 } },
      ],
      outputs_config_json_array: [{ type: 'event' }, { type: 'event', target_event_type: 'shopify.orders.created' }],
    });
    expect(problems.join('\n')).toMatch(/triggers_config_json_array\.0: an event_stream trigger names event_types and\/or topics/);
    expect(problems.join('\n')).toMatch(/triggers_config_json_array\.1: .*event_type/);
    expect(problems.join('\n')).toMatch(/triggers_config_json_array\.2\.event_types\.0: must be an event type/);
    expect(problems.join('\n')).toMatch(/triggers_config_json_array\.3\.filter/);
    expect(problems.join('\n')).toMatch(/outputs_config_json_array\.0\.target_event_type/);
    expect(problems.join('\n')).toMatch(/outputs_config_json_array\.1\.target_event_type: "shopify\." event types belong to the platform/);
    expect(() => register({ triggers_config_json_array: '{not json', outputs_config_json_array: [] })).toThrow(/must be an array/);
    expect(() => register({ triggers_config_json_array: [], outputs_config_json_array: [], surprise: 1 })).toThrow(InvalidRegistrationError);
    expect(() => register({ outputs_config_json_array: [] })).toThrow(/triggers_config_json_array/);
  });

  it('lets a trigger name only topics of its own workspace and the shared topics the dispatcher reads', () => {
    const problems = problemsOf({
      triggers_config_json_array: [
        { type: 'event_stream', topics: ['ionflux.shopify.ws_other.orders.created'] },
        { type: 'event_stream', topics: ['ionflux.platform.credential_access'] },
        { type: 'event_stream', topics: ['somebody.elses.topic'] },
        { type: 'event_stream', topics: ['ionflux.shopify.ws_acme.orders.created', 'ionflux.email.delivery_status', 'ionflux.whatsapp.all_workspaces'] },
      ],
      outputs_config_json_array: [],
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/belongs to workspace other; a trigger may only name topics of workspace acme/);
    expect(problems[1]).toMatch(/audit topic/);
    expect(problems[2]).toMatch(/not a topic agent triggers come from/);
    expect(dispatchTopics()).not.toContain('ionflux.platform.credential_access');
  });

  it('refuses a trigger that would invoke the agent with its own outputs', () => {
    const outputs = [{ type: 'event', target_event_type: 'agent.lead.scored' }];
    expect(problemsOf({ triggers_config_json_array: [{ type: 'event_stream', event_types: ['agent.lead.*'] }], outputs_config_json_array: outputs })[0]).toMatch(/its own outputs \(agent\.lead\.scored\)/);
    expect(problemsOf({ triggers_config_json_array: [{ type: 'event_stream', topics: [`ionflux.agent.lead_scorer.ws_${ws}.outputs`] }], outputs_config_json_array: outputs })[0]).toMatch(/its own outputs/);
    // Other agents' scored leads, by naming their topics: fine.
    expect(register({ triggers_config_json_array: [{ type: 'event_stream', event_types: ['agent.lead.scored'], topics: [`ionflux.agent.other.ws_${ws}.outputs`] }], outputs_config_json_array: outputs }).triggers_config_json_array).toHaveLength(1);
  });

  it('refuses unofficial methods not acknowledged or not described (the disclaimer rule)', () => {
    const base = { triggers_config_json_array: [], outputs_config_json_array: [] };
    const method = { service: 'linkedin', method: 'profile scraping with Playwright' };
    expect(() => register({ ...base, unofficial_methods: [{ ...method, acknowledged: false }], strategic_integrations_text: 'Scrapes public profiles; may break.' })).toThrow(UnofficialMethodsNotAcknowledgedError);
    expect(() => register({ ...base, unofficial_methods: [{ ...method, acknowledged: true }] })).toThrow(/strategic_integrations_text must describe/);
    expect(() => register({ ...base, unofficial_methods: [{ ...method, acknowledged: true }], strategic_integrations_text: '   ' })).toThrow(/strategic_integrations_text must describe/);
    expect(() => register({ ...base, unofficial_methods: [method], strategic_integrations_text: 'x' })).toThrow(/acknowledged/);
    const ok = register({ ...base, unofficial_methods: [{ ...method, acknowledged: true }], strategic_integrations_text: 'Scrapes public profiles with Playwright; unstable, against LinkedIn ToS; retried daily.' });
    expect(ok.unofficial_methods).toEqual([{ ...method, acknowledged: true }]);
    try {
      register({ ...base, unofficial_methods: [{ ...method, acknowledged: false }] });
    } catch (error) {
      expect((error as UnofficialMethodsNotAcknowledgedError).status).toBe(400);
      expect((error as UnofficialMethodsNotAcknowledgedError).code).toBe('unofficial_methods_not_acknowledged');
    }
  });

  it('agent ids are topic segments', () => {
    expect(assertAgentId('agent_006')).toBe('agent_006');
    expect(() => assertAgentId('Agent-006')).toThrow(/lower-case/);
  });

  it('derives active_kafka_topics_list from trigger topics and output topics', () => {
    const registration = (agent_id: string, body: unknown): AgentRegistration => ({
      workspace_id: ws,
      agent_id,
      ...parseRegistration(ws, agent_id, body),
      created_at: '',
      updated_at: '',
      revision: 1,
    });
    const list = activeTopics([
      registration('a', { triggers_config_json_array: [{ type: 'event_stream', topics: ['ionflux.shopify.ws_acme.orders.created'] }], outputs_config_json_array: [{ type: 'event', target_event_type: 'agent.a.done' }] }),
      registration('b', { triggers_config_json_array: [{ type: 'event_stream', event_types: ['agent.a.done'], topics: ['ionflux.agent.a.ws_acme.outputs', 'ionflux.shopify.ws_acme.orders.created'] }], outputs_config_json_array: [] }),
    ]);
    expect(list).toEqual(['ionflux.agent.a.ws_acme.outputs', 'ionflux.shopify.ws_acme.orders.created']);
  });
});

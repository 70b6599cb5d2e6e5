/** `ionflux agents list|dead-letters|redrive`: registrations and the invocations AgentService did not take. */
import { parseArgs } from 'node:util';
import { agentRegistry, dispatchQueue } from '../../shared/runtime/agents';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

export const agentsList: Command = {
  path: ['agents', 'list'],
  usage: 'ionflux agents list <workspace_id> [--json]',
  summary: 'the agents registered in a workspace, with their event_stream triggers and declared outputs',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
    const [workspaceId, ...rest] = positionals;
    if (!workspaceId || rest.length) throw new UsageError(this.usage);
    await ensureResources();
    for (const r of await agentRegistry().list(workspaceId)) {
      if (values.json) {
        io.out(JSON.stringify(r));
        continue;
      }
      const triggers = r.triggers_config_json_array.filter((t) => t.type === 'event_stream').length;
      const outputs = r.outputs_config_json_array.filter((o) => o.type === 'event').map((o) => (o as { target_event_type: string }).target_event_type);
      io.out(`${r.agent_id}  rev ${r.revision}  ${triggers} event_stream trigger(s)  outputs: ${outputs.join(', ') || '-'}  credentials: ${r.required_credentials.join(', ') || '-'}`);
    }
  },
};

export const agentsDeadLetters: Command = {
  path: ['agents', 'dead-letters'],
  usage: 'ionflux agents dead-letters [--limit <n>] [--json]',
  summary: 'agent invocations that failed every retry (agent-dispatch-dlq), without taking them',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { limit: { type: 'string' }, json: { type: 'boolean', default: false } } });
    await ensureResources();
    for (const d of await dispatchQueue().peekDeadLetters(values.limit ? Number(values.limit) : 100)) {
      if ('malformed' in d) io.out(values.json ? JSON.stringify(d) : `${d.messageId}  malformed: ${d.malformed}`);
      else if (values.json) io.out(JSON.stringify({ ...d, events: d.events.length }));
      else io.out(`${d.dead_lettered_at ?? '-'}  ${d.workspace_id}/${d.agent_id} trigger ${d.trigger_index}  ${d.events.length} event(s)  ${d.dead_reason ?? '-'} after ${d.attempts} attempt(s): ${d.last_error ?? '-'}`);
    }
  },
};

export const agentsRedrive: Command = {
  path: ['agents', 'redrive'],
  usage: 'ionflux agents redrive [--limit <n>]',
  summary: 'move agent invocations from agent-dispatch-dlq back to the retry queue (once AgentService is healthy again)',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { limit: { type: 'string' } } });
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit must be a positive integer');
    await ensureResources();
    const { moved, malformed } = await dispatchQueue().redrive(limit === undefined ? {} : { limit });
    io.out(`moved ${moved} invocation(s) back to agent-dispatch${malformed ? `; ${malformed} malformed message(s) left in agent-dispatch-dlq` : ''}`);
  },
};

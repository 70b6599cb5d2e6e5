/**
 * `ionflux memory query|stats`: a workspace's vector memory from the terminal, through the same service
 * the memory functions run (same backend, namespace rules and embeddings), in process. The service (and
 * the LLM and Pinecone code under it) is loaded when a memory command runs, not on every CLI start.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { QueryBodySchema } from '../../shared/memory/contract';
import type { MemoryCall } from '../../shared/memory/service';
import { validate } from '../../shared/http/json-body';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

const call = (): MemoryCall => ({ requestId: `cli-${randomUUID()}`, deadline: Date.now() + 60_000 });

function json(flag: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new UsageError(`${flag} must be JSON (got ${value})`);
  }
}

export const memoryQuery: Command = {
  path: ['memory', 'query'],
  usage:
    'ionflux memory query --workspace <id> (--namespace <ns> | --template <t> [--var k=v]…) (--text "…" | --vector \'[…]\' | --id <id>) [--top-k 5] [--filter \'{…}\'] [--index <name>] [--values] [--no-metadata] [--json]',
  summary: 'the nearest records in a namespace of a workspace (texts embedded like the query route)',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        workspace: { type: 'string' },
        namespace: { type: 'string' },
        template: { type: 'string' },
        var: { type: 'string', multiple: true },
        text: { type: 'string' },
        vector: { type: 'string' },
        id: { type: 'string' },
        'top-k': { type: 'string', default: '5' },
        filter: { type: 'string' },
        index: { type: 'string' },
        values: { type: 'boolean', default: false },
        'no-metadata': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    if (!values.workspace || (values.namespace === undefined) === (values.template === undefined)) throw new UsageError(this.usage);
    const variables: Record<string, string> = {};
    for (const pair of values.var ?? []) {
      const at = pair.indexOf('=');
      if (at < 1) throw new UsageError(`--var takes name=value (got ${pair})`);
      variables[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const body = validate(
      {
        ...(values.namespace !== undefined ? { resolved_namespace: values.namespace } : { namespace_template: values.template, variables }),
        ...(values.index ? { index: values.index } : {}),
        ...(values.text !== undefined ? { text: values.text } : {}),
        ...(values.vector !== undefined ? { vector: json('--vector', values.vector) } : {}),
        ...(values.id !== undefined ? { id: values.id } : {}),
        top_k: Number(values['top-k']),
        ...(values.filter !== undefined ? { filter: json('--filter', values.filter) } : {}),
        include_values: values.values,
        include_metadata: !values['no-metadata'],
      },
      QueryBodySchema,
    );
    await ensureResources();
    const { memoryService } = await import('../../shared/runtime/memory');
    const result = await memoryService().query(values.workspace, body, call());
    if (values.json) return void io.out(JSON.stringify(result));
    io.out(`${result.index} · ${result.namespace} · ${result.matches.length} match(es)`);
    for (const m of result.matches) {
      io.out(`  ${m.score.toFixed(4)}  ${m.id}${m.metadata ? `  ${JSON.stringify(m.metadata)}` : ''}${m.values ? `  [${m.values.length} values]` : ''}`);
    }
  },
};

export const memoryStats: Command = {
  path: ['memory', 'stats'],
  usage: 'ionflux memory stats --workspace <id> [--index <name>] [--json]',
  summary: "a workspace's namespaces and record counts in an index",
  async run(args, io) {
    const { values } = parseArgs({ args, options: { workspace: { type: 'string' }, index: { type: 'string' }, json: { type: 'boolean', default: false } } });
    if (!values.workspace) throw new UsageError(this.usage);
    await ensureResources();
    const { memoryConfig, memoryService } = await import('../../shared/runtime/memory');
    const stats = await memoryService().stats(values.workspace, { index: values.index }, call());
    if (values.json) return void io.out(JSON.stringify(stats));
    io.out(`${stats.index} (${stats.backend}, ${stats.dimension}-d ${stats.metric}; default index ${memoryConfig().defaultIndex}) · workspace ${stats.workspace_id} · ${stats.total_record_count} record(s)`);
    for (const n of stats.namespaces) io.out(`  ${String(n.record_count).padStart(8)}  ${n.namespace}`);
  },
};

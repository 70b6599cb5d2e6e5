import { functionById, functions } from '../../functions/manifest';
import { isSchedule } from '../../functions/manifest-types';
import { loadHandler } from '../../local/handlers';
import { invokeScheduled } from '../../local/triggers/schedule';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

const scheduled = () => functions.filter((f) => isSchedule(f.trigger));

export const run: Command = {
  path: ['run'],
  usage: 'ionflux run [<function-id>]',
  summary: 'run a scheduled function once now, with the EventBridge event it gets on its timer (no id: list them)',
  async run(args, io) {
    const [id, ...rest] = args;
    if (rest.length) throw new UsageError(this.usage);
    if (!id) {
      const list = scheduled();
      const width = Math.max(...list.map((f) => f.id.length));
      io.out('scheduled functions (ionflux run <function-id>):');
      for (const f of list) io.out(`  ${f.id.padEnd(width)}  ${isSchedule(f.trigger) ? f.trigger.schedule.expression : ''}`);
      if (!list.length) io.out('  none');
      return 0;
    }
    let spec;
    try {
      spec = functionById(id);
    } catch {
      throw new UsageError(`no function "${id}"; scheduled functions: ${scheduled().map((f) => f.id).join(', ') || 'none'}`);
    }
    if (!isSchedule(spec.trigger)) {
      throw new UsageError(`${id} is not a scheduled function; it runs on ${Object.keys(spec.trigger)[0]} (use npm run dev). Scheduled: ${scheduled().map((f) => f.id).join(', ')}`);
    }
    await ensureResources();
    const result = await invokeScheduled(spec, { loadHandler });
    io.out(JSON.stringify(result ?? { status: 'done' }));
  },
};

import { functionById } from '../../functions/manifest';
import { isSchedule } from '../../functions/manifest-types';
import { loadHandler } from '../../local/handlers';
import { invokeScheduled } from '../../local/triggers/schedule';
import { type Command, UsageError } from '../command';
import { ensureResources } from '../provision';

export const run: Command = {
  path: ['run'],
  usage: 'ionflux run <function-id>',
  summary: 'run a scheduled function once now, with the EventBridge event it gets on its timer',
  async run(args, io) {
    const [id, ...rest] = args;
    if (!id || rest.length) throw new UsageError(this.usage);
    let spec;
    try {
      spec = functionById(id);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (!isSchedule(spec.trigger)) {
      throw new UsageError(`${id} is not a scheduled function; it runs on ${Object.keys(spec.trigger)[0]} (use npm run dev)`);
    }
    await ensureResources();
    const result = await invokeScheduled(spec, { loadHandler });
    io.out(JSON.stringify(result ?? { status: 'done' }));
  },
};

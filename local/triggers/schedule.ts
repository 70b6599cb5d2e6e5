/** `schedule` entries locally: invoked on their rate/cron timer with the EventBridge scheduled event. */
import type { FunctionSpec, ScheduleTrigger } from '../../functions/manifest-types';
import { scheduledEvent } from '../aws-events';
import { lambdaContext } from '../lambda-context';
import { nextRun, parseSchedule } from '../schedule-expression';
import type { RunningTrigger, TriggerDeps } from './trigger';

export async function invokeScheduled(spec: FunctionSpec, deps: Pick<TriggerDeps, 'loadHandler'>, at = new Date()): Promise<unknown> {
  const handler = await deps.loadHandler(spec);
  return handler(scheduledEvent(spec.id, at), lambdaContext(spec.id, spec.timeoutS, spec.memoryMb));
}

export function startScheduleTrigger(spec: FunctionSpec & { trigger: ScheduleTrigger }, deps: TriggerDeps): RunningTrigger {
  const schedule = parseSchedule(spec.trigger.schedule.expression);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const arm = () => {
    const at = nextRun(schedule, Date.now());
    timer = setTimeout(() => {
      running = invokeScheduled(spec, deps, new Date(at)).catch((error: unknown) =>
        deps.log(`${spec.id}: scheduled run failed: ${error instanceof Error ? error.message : String(error)}`),
      );
      arm();
    }, Math.max(0, at - Date.now()));
    timer.unref();
  };
  arm();
  return {
    spec,
    describe: `schedule ${spec.trigger.schedule.expression}`,
    stop: async () => {
      clearTimeout(timer);
      await running;
    },
  };
}

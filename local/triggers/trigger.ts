import type { FunctionSpec } from '../../functions/manifest-types';
import type { HandlerLoader } from '../handlers';

export interface RunningTrigger {
  spec: FunctionSpec;
  describe: string;
  stop(): Promise<void>;
}

export interface TriggerDeps {
  loadHandler: HandlerLoader;
  log: (message: string) => void;
}

/** Runs `tick` repeatedly until stopped; a failing tick is logged and retried after `idleMs`. */
export function pollLoop(tick: () => Promise<boolean>, idleMs: number, log: (m: string) => void, what: string) {
  let stopped = false;
  let wake: (() => void) | undefined;
  const done = (async () => {
    while (!stopped) {
      let busy = false;
      try {
        busy = await tick();
      } catch (error) {
        log(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!busy && !stopped) await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, idleMs);
      });
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    await done;
  };
}

/**
 * One bulk email worker of `npm run bench -- email`, in a process of its own (a Lambda execution
 * environment of its own): the real email-bulk-worker handler fed by the embedded email-bulk queue, as the
 * local runtime's SQS trigger feeds it. Only the state folder and the send-rate table are shared.
 */
import { functionById } from '../functions/manifest';
import type { FunctionSpec, SqsTrigger } from '../functions/manifest-types';
import { loadHandler } from '../local/handlers';
import { startSqsTrigger } from '../local/triggers/sqs';
import { sesTimeline } from '../shared/runtime/email';
import { queue } from '../shared/runtime/queues';

const trigger = startSqsTrigger(functionById('email-bulk-worker') as FunctionSpec & { trigger: SqsTrigger }, queue('email-bulk'), {
  loadHandler,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.on('SIGTERM', () => {
  void trigger.stop().then(() => {
    // What this worker did with the shared timeline: the benchmark adds them up.
    const cpu = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ timeline: { ...sesTimeline().stats, cpuMs: Math.round((cpu.user + cpu.system) / 1000) } })}\n`);
    process.exit(0);
  });
});
process.stdout.write('ready\n');

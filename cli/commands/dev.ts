/**
 * Dev tools: `ionflux dev fake <name>` starts a provider fake the tests use (test/fakes/dev-fakes.ts) on its
 * documented port and prints how to point the local runtime at it; `ionflux dev fake` lists them.
 */
import { parseArgs } from 'node:util';
import { config } from '../../shared/config/env';
import { devFakes } from '../../test/fakes/dev-fakes';
import { type CliIo, type Command, UsageError } from '../command';

const shellQuote = (value: string) => (/^[A-Za-z0-9_./:@=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

/**
 * Resolves when the operator interrupts (Ctrl-C, SIGTERM) or the caller's signal aborts. The handlers stay:
 * Ctrl-C reaches the whole process group, so a second SIGINT (forwarded by bin/ionflux.cjs) must not kill
 * the process before the fake has stopped.
 */
function interrupted(io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    if (io.signal) {
      if (io.signal.aborted) return resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
}

export const devFake: Command = {
  path: ['dev', 'fake'],
  usage: 'ionflux dev fake [<name> [--port <n>] [--<flag of that fake> <value>]]',
  summary: 'start a provider fake on 127.0.0.1 and print how to point npm run dev at it; Ctrl-C stops it (no name: list the fakes, their ports and flags)',
  options: { port: { type: 'string' } },
  async run(args, io) {
    const name = args[0]?.startsWith('-') ? undefined : args[0];
    if (!name) {
      if (args.length) throw new UsageError(this.usage);
      const width = Math.max(...Object.keys(devFakes).map((n) => n.length));
      for (const [fakeName, entry] of Object.entries(devFakes)) {
        const fake = await entry.load();
        const flags = Object.entries(fake.options ?? {}).map(([flag, o]) => `--${flag} (${o.default})`);
        io.out(`${fakeName.padEnd(width)}  :${entry.port}  ${fake.summary}${flags.length ? `\n${' '.repeat(width + 9)}flags: ${flags.join(', ')}` : ''}`);
      }
      return 0;
    }
    const entry = devFakes[name];
    if (!entry) throw new UsageError(`no fake "${name}" (${Object.keys(devFakes).join(', ')})`);
    const fake = await entry.load();
    const own = Object.fromEntries(Object.entries(fake.options ?? {}).map(([flag, o]) => [flag, { type: o.type, default: o.default }]));
    const { values, positionals } = parseArgs({ args: args.slice(1), options: { port: { type: 'string' }, ...own }, allowPositionals: true });
    if (positionals.length) throw new UsageError(this.usage);
    const port = values.port === undefined ? entry.port : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a TCP port number (got "${values.port}")`);

    let running;
    try {
      running = await fake.start({ port, secretRoot: config().secretRoot, values: values as Record<string, string | boolean | undefined> });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${port} is in use (this fake already running?); --port 0 picks a free one`, { cause: error });
      throw error;
    }
    const env = Object.entries(running.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
    io.out(`fake ${name} on ${running.origin}   (Ctrl-C to stop)`);
    for (const note of running.notes) io.out(`  ${note}`);
    io.out('use it:');
    if (env.length) io.out(`  ${env.join(' ')} npm run dev`);
    for (const [secret, value] of Object.entries(running.secrets)) io.out(`  npx ionflux secrets set ${secret} --merge ${shellQuote(JSON.stringify(value))}`);
    await interrupted(io);
    await running.stop();
    return 0;
  },
};

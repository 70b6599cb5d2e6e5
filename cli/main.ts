/**
 * `ionflux` — the operator CLI. Same configuration and state folder as the local runtime: embedded
 * stores under IONFLUX_HOME by default; moto/AWS with AWS_ENDPOINT_URL (or IONFLUX_BACKEND=aws); Kafka
 * with KAFKA_BROKERS.
 */
import { errorMessage, IonfluxError } from '../shared/errors';
import { resetEnvironment } from '../shared/runtime/per-environment';
import { type CliIo, type Command, UsageError } from './command';
import { commands } from './registry';

const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Help lines fit this many columns. */
export const HELP_WIDTH = 100;

/** Words laid out on lines of at most `width` columns, the first after `first`, the rest after `indent`. */
function wrap(text: string, first: string, indent: string, width = HELP_WIDTH): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    const start = line === first || line === indent;
    if (!start && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
    }
    line += line === first || line === indent ? word : ` ${word}`;
  }
  lines.push(line);
  return lines;
}

const describe = (c: Command) => [...wrap(c.usage, '  ', '          '), ...wrap(c.summary, '      ', '      ')];

/** Every command with its usage and what it does, grouped by its first word; no line over HELP_WIDTH. */
export function help(): string {
  const lines = ['usage: ionflux <command> [arguments]     (ionflux <command> --help: that command only)'];
  let group = '';
  for (const c of commands) {
    if (c.path[0] !== group) lines.push('');
    group = c.path[0]!;
    lines.push(...describe(c));
  }
  return lines.join('\n');
}

export async function runCli(argv: string[], output: CliIo = io): Promise<number> {
  if (!argv.length || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    output.out(help());
    return argv.length ? 0 : 2;
  }
  const command: Command | undefined = commands
    .filter((c) => c.path.every((word, i) => argv[i] === word))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!command) {
    output.err(`ionflux: unknown command "${argv.join(' ')}"\n\n${help()}`);
    return 2;
  }
  const args = argv.slice(command.path.length);
  if (args.includes('--help') || args.includes('-h')) {
    output.out(describe(command).join('\n'));
    return 0;
  }
  try {
    const code = await command.run(args, output);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      output.err(`ionflux: ${errorMessage(error)}\nusage: ${command.usage}`);
      return 2;
    }
    output.err(`ionflux: ${errorMessage(error)}${error instanceof IonfluxError && error.details ? ` ${JSON.stringify(error.details)}` : ''}`);
    return 1;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2))
    .then(async (code) => {
      await resetEnvironment();
      process.exit(code);
    })
    .catch((error: unknown) => {
      console.error(`ionflux: ${errorMessage(error)}`);
      process.exit(1);
    });
}

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

function help(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return ['usage: ionflux <command>', '', ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)].join('\n');
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
  try {
    const code = await command.run(argv.slice(command.path.length), output);
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

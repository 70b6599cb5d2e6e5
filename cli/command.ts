import type { ParseArgsOptionsConfig } from 'node:util';

/** The shape of a CLI command: `ionflux <group> <verb> …`. */
export interface Command {
  /** e.g. ['secrets', 'set'] */
  path: string[];
  /** Every argument and flag the command takes (the README's CLI section is the help built from these). */
  usage: string;
  summary: string;
  /** The flags it parses (node:util parseArgs); each appears in `usage` (test/unit/cli-help.test.ts). */
  options?: ParseArgsOptionsConfig;
  run(args: string[], io: CliIo): Promise<number | void>;
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Ends a long-running command (a fake, a tail) when aborted; without it, SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

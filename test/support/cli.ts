/** The operator CLI as an operator runs it (`npx ionflux …`): a child process with its own environment. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './paths';

const run = promisify(execFile);
/** The `ionflux` entry point (bin/ionflux.cjs). */
export const cliEntry = path.join(projectRoot, 'bin', 'ionflux.cjs');

export async function ionflux(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliEntry, ...args], { env: { ...process.env, ...env }, cwd: projectRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

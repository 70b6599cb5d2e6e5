import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import { describeHolder, isListening, listeningPids, ownsPort } from './ports';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is alive and still the process we started: its command line contains `marker` (a path
 * only our process has in it). A pid file left behind by a process that died names, after pid reuse,
 * some unrelated process, which must never be reported as ours, let alone stopped.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return !fs.existsSync('/proc/self/cmdline'); // no /proc (macOS): alive is all we can tell
  }
  return cmdline.includes(marker);
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a long-lived process detached from this one, output appended to `logFile`. */
export function spawnDetached(command: string, args: string[], logFile: string, options: SpawnOptions = {}): number {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  child.unref();
  return child.pid;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 15_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (isAlive(pid)) await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A readiness probe's verdict that waiting longer cannot change (our process died, the port is someone else's). */
export class ServiceFailedError extends Error {
  override readonly name = 'ServiceFailedError';
}

/**
 * Polls `probe` until it resolves true or `timeoutMs` passes; the last error is reported. A
 * ServiceFailedError ends the wait at once.
 */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, logHint?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      if (error instanceof ServiceFailedError) {
        throw new Error(`${what} could not start: ${error.message}${logHint ? ` (see ${logHint})` : ''}`, { cause: error });
      }
      lastError = error;
    }
    await sleep(250);
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${what} was not ready after ${Math.round(timeoutMs / 1000)} s${reason}${logHint ? ` (see ${logHint})` : ''}`);
}

/**
 * Readiness precondition of a service we started: our process is alive, and if something listens on
 * `port`, it is our process. False while it is still starting (nothing listens yet).
 */
export async function ownProcessListening(what: string, pid: number | undefined, port: number): Promise<boolean> {
  if (pid === undefined || !isAlive(pid)) throw new ServiceFailedError(`${what}: the process this checkout started is not running`);
  const owned = ownsPort(pid, port);
  if (owned === true) return true;
  if (!(await isListening(port))) return false;
  if (owned === undefined) return true; // no /proc (macOS): the port answers and our process is alive
  // Look again, across every process: a socket opened between the two reads above is ours after all.
  const holders = listeningPids(port);
  if (holders.includes(pid)) return true;
  if (!holders.length) return false; // nobody visible holds it (yet): keep waiting
  throw new ServiceFailedError(`${describeHolder(port)}, not by this checkout's ${what} (pid ${pid})`);
}

#!/usr/bin/env node
// Runs a command from node_modules/.bin on the project's Node 24 (the Lambda runtime's major), whatever
// Node started npm. If the current Node is older, the project-local toolchain (scripts/toolchain.sh)
// is installed on first use and put first on PATH. Usage: node scripts/with-node24.cjs <bin> [args...]
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const env = { ...process.env };
const major = Number(process.versions.node.split('.')[0]);
// Children find `node` on PATH (tsx, cdk and jest start with `#!/usr/bin/env node`): put the Node 24 that
// runs them first, the toolchain's when this one is older, else this one (PATH may hold an older Node).
const nodeDir =
  major < 24 ? execFileSync(path.join(root, 'scripts', 'toolchain.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim() : path.dirname(process.execPath);
env.PATH = `${nodeDir}${path.delimiter}${env.PATH}`;
env.PATH = `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${env.PATH}`;
// kafkajs 2.2.4 schedules a negative timeout on Node ≥ 23, which only prints a warning.
if (!(env.NODE_OPTIONS ?? '').includes('TimeoutNegativeWarning')) {
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --disable-warning=TimeoutNegativeWarning`.trim();
}
// Middy (ESM-only) must resolve from our CommonJS code run by tsx: see scripts/esm-only-packages.cjs.
const hook = path.join(root, 'scripts', 'esm-only-packages.cjs');
if (!(env.NODE_OPTIONS ?? '').includes(hook)) env.NODE_OPTIONS = `${env.NODE_OPTIONS} --require ${hook}`;
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-node24.cjs <command> [args...]');
  process.exit(2);
}
const child = spawn(command, args, { stdio: 'inherit', env, cwd: process.cwd() });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
// A child ended by a signal ends this process the same way (its handler removed first, or it would stay).
child.on('exit', (code, signal) => {
  if (!signal) process.exit(code ?? 1);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});

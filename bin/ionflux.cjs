#!/usr/bin/env node
// The operator CLI (`npx ionflux …`). Runs cli/main.ts with tsx on the project's Node 24: the current
// Node if it is new enough, else the project-local toolchain (scripts/toolchain.sh).
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const env = { ...process.env };
// The CLI prints results on stdout; only warnings and errors of the code it runs are logged.
env.POWERTOOLS_LOG_LEVEL = env.POWERTOOLS_LOG_LEVEL ?? 'WARN';
// tsx starts with `#!/usr/bin/env node`: the Node 24 it should run on goes first on PATH.
const nodeDir =
  Number(process.versions.node.split('.')[0]) < 24
    ? execFileSync(path.join(root, 'scripts', 'toolchain.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()
    : path.dirname(process.execPath);
env.PATH = `${nodeDir}${path.delimiter}${env.PATH}`;
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const child = spawn(tsx, ['--require', path.join(root, 'scripts', 'esm-only-packages.cjs'), path.join(root, 'cli', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));

#!/usr/bin/env node
// The operator CLI (`npx ionflux …`). Runs cli/main.ts on the project's Node 24 (the current Node if it is
// new enough, else the project-local toolchain: scripts/toolchain.sh), with tsx's loader in that process
// (`node --import tsx`): no tsx CLI in between, so Ctrl-C reaches the command itself (tsx's CLI relays
// signals and exits 130 when the child is slow to say it handles them).
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..');
const env = { ...process.env };
// The CLI prints results on stdout; only warnings and errors of the code it runs are logged.
env.POWERTOOLS_LOG_LEVEL = env.POWERTOOLS_LOG_LEVEL ?? 'WARN';
const nodeDir =
  Number(process.versions.node.split('.')[0]) < 24
    ? execFileSync(path.join(root, 'scripts', 'toolchain.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()
    : path.dirname(process.execPath);
// Whatever the command starts with `#!/usr/bin/env node` runs on the same Node 24.
env.PATH = `${nodeDir}${path.delimiter}${env.PATH}`;
const tsxDir = path.join(root, 'node_modules', 'tsx');
const tsxLoader = pathToFileURL(path.join(tsxDir, require(path.join(tsxDir, 'package.json')).exports['.'])).href;
const args = ['--require', path.join(root, 'scripts', 'esm-only-packages.cjs'), '--import', tsxLoader, path.join(root, 'cli', 'main.ts'), ...process.argv.slice(2)];
const child = spawn(path.join(nodeDir, 'node'), args, { stdio: 'inherit', env });
// Ctrl-C in a terminal reaches the whole process group (the child too); a signal sent to this process
// alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
// A child ended by a signal ends this process the same way (its handler removed first, or it would stay).
child.on('exit', (code, signal) => {
  if (!signal) process.exit(code ?? 1);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});

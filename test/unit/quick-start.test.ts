/**
 * A newcomer's two commands: README.md's quick start is `npm ci && npm run dev` and `npm test`, `.ci/run`
 * runs exactly those (and stops the test services), and every npm script and `npx ionflux` run on Node 24
 * whatever Node started them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../support/paths';

const read = (file: string) => fs.readFileSync(path.join(projectRoot, file), 'utf8');
const commandsOf = (block: string) =>
  block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line && !line.startsWith('#'));

describe('the quick start', () => {
  it('is two commands in README.md', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('### Prerequisites'));
    const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(commandsOf(block)).toEqual(['npm ci && npm run dev', 'npm test']);
  });

  it('is what .ci/run runs, nothing more (plus stopping the services the tests started)', () => {
    const script = commandsOf(read('.ci/run')).filter((line) => !/^(set -euo pipefail|cd "\$\(dirname "\$0"\)\/\.\."|trap 'npm run services:down .*' EXIT)$/.test(line));
    expect(script).toEqual(['npm ci', 'npm test']);
    expect(read('.ci/run')).toContain("trap 'npm run services:down");
  });

  it('needs no PATH setup: every npm script runs through with-node24.cjs, and the CLI runs from a bare PATH', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };
    for (const [name, script] of Object.entries(pkg.scripts)) expect(`${name}: ${script}`).toMatch(new RegExp(`^${name}: node scripts/with-node24\\.cjs `));
    expect(pkg.engines.node).toBe('>=20');
    const cli = execFileSync(process.execPath, [path.join(projectRoot, 'bin', 'ionflux.cjs'), 'help'], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin' } });
    expect(cli).toContain('usage: ionflux <command>');
  });

  it('runs a script on Node 24 whatever Node starts it (the system Node too, when it is older)', () => {
    const starters = [process.execPath, '/usr/bin/node'].filter((node) => fs.existsSync(node));
    for (const node of starters) {
      const version = execFileSync(node, [path.join(projectRoot, 'scripts', 'with-node24.cjs'), 'node', '-v'], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin' } }).trim();
      expect(`${node}: ${version}`).toMatch(/: v24\./);
    }
  });
});

/**
 * The CLI tells the truth about itself: help fits 100 columns, every flag a command parses is in its usage
 * line, and README.md's CLI section is the help, verbatim.
 */
import fs from 'node:fs';
import path from 'node:path';
import { help, HELP_WIDTH, runCli } from '../../cli/main';
import { commands } from '../../cli/registry';
import { projectRoot } from '../support/paths';

describe('ionflux help', () => {
  it(`fits ${HELP_WIDTH} columns`, () => {
    const long = help()
      .split('\n')
      .filter((line) => [...line].length > HELP_WIDTH);
    expect(long).toEqual([]);
  });

  it('names every flag each command parses in its usage line', () => {
    const missing = commands.flatMap((c) => Object.keys(c.options ?? {}).filter((flag) => !c.usage.includes(`--${flag}`)).map((flag) => `${c.path.join(' ')}: --${flag}`));
    expect(missing).toEqual([]);
  });

  it('is what README.md lists under "The operator CLI" (paste `npx ionflux help` there after changing a command)', () => {
    const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## The operator CLI'));
    const block = /```\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(block).toBe(help());
  });

  it('answers --help for one command, and an unknown command with the help', async () => {
    const out: string[] = [];
    expect(await runCli(['secrets', 'set', '--help'], { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    expect(out.join('\n')).toContain("ionflux secrets set <name> (<value> | --merge '<json>')");
    const err: string[] = [];
    expect(await runCli(['frobnicate'], { out: () => undefined, err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toContain('unknown command "frobnicate"');
  });
});

/** cfn-lint (PyPI, installed with the test services) over the synthesized templates: zero errors. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureVenv, venvBin } from '../../scripts/services/moto';
import { buildTestApp } from './build';

describe('cfn-lint', () => {
  it('reports no errors in any template', () => {
    ensureVenv();
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-out-'));
    const { app, built } = buildTestApp({ outdir });
    app.synth();
    const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f));
    // Platform, functions, and a nested stack per area deployed as its own (infra/stacks/functions-stack.ts).
    expect(templates.length).toBe(2 + built.functions.nestedStacks.size);
    let output = '';
    try {
      output = execFileSync(venvBin('cfn-lint'), ['--non-zero-exit-code', 'error', '--format', 'parseable', ...templates], { encoding: 'utf8' });
    } catch (error) {
      const e = error as { status: number; stdout: string; stderr: string };
      throw new Error(`cfn-lint found errors (exit ${e.status}):\n${e.stdout}\n${e.stderr}`);
    }
    // Warnings are allowed (CDK emits W3005 for explicit DependsOn); errors are not.
    expect(output.split('\n').filter((l) => /:E\d{4}:/.test(l))).toEqual([]);
  }, 120_000);
});

/**
 * `npm run synth` (scripts/synth.ts) ends with a short summary (stacks, functions, cdk-nag, cfn-lint) and
 * keeps what cdk prints in cdk.out/synth.log; cdk.json sets every CDK feature flag on purpose, so cdk has
 * no "feature flags are not configured" notice to print.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FLAGS } from 'aws-cdk-lib/cx-api';
import { functions } from '../../functions/manifest';
import { summary } from '../../scripts/synth';
import { projectRoot } from '../support/paths';
import { buildTestApp } from './build';

describe('npm run synth', () => {
  it('summarises the cloud assembly in a few lines', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-summary-'));
    const { built, app } = buildTestApp({ outdir });
    app.synth();
    const lines = summary(outdir, 42, path.join(outdir, 'synth.log'), (templates) => `linted ${templates.length}`);
    expect(lines[0]).toMatch(/^synth: 2 stacks in .* \(42 s; everything cdk printed: .*synth\.log\)$/);
    expect(lines.find((l) => l.includes('Functions'))).toMatch(new RegExp(`Ionflux-\\w+-Functions +\\d+ resources, ${functions.length} Lambda functions`));
    expect(lines).toContain(`  functions/manifest.ts: ${functions.length} functions (the rest are the CDK's own custom-resource handlers)`);
    expect(lines).toContain('  cdk-nag (AwsSolutions): no unacknowledged findings (acknowledged ones: infra/nag-acknowledgements.ts)');
    // Areas deployed as nested stacks: counted with the functions stack, each named with its own resource count.
    for (const area of built.functions.nestedStacks.keys()) expect(lines.find((l) => l.includes('Functions'))).toMatch(new RegExp(`in nested ${area}Functions: \\d+ resources`, 'i'));
    expect(lines).toContain(`  cfn-lint: linted ${2 + built.functions.nestedStacks.size}`);
    expect(lines.length).toBeLessThanOrEqual(8);
  });

  it('has cdk.json set every feature flag of this aws-cdk-lib (nothing left for the notice)', () => {
    const context = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
    const v2Flags = Object.entries(FLAGS).filter(([, flag]) => (flag as { introducedIn: { v2?: string } }).introducedIn.v2 !== undefined).map(([name]) => name);
    expect(v2Flags.length).toBeGreaterThan(50);
    expect(v2Flags.filter((name) => !(name in context))).toEqual([]);
  });
});

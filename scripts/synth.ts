/**
 * `npm run synth`: `cdk synth` with everything it prints (CDK's "Bundling asset" lines, esbuild's size
 * table per bundle, notices) written to cdk.out/synth.log, then a short summary: the stacks, their
 * functions and resources, the cdk-nag result (synth fails on any unacknowledged finding) and, when the
 * test services installed it, cfn-lint's. Extra arguments go to cdk (`npm run synth -- -c ionflux:stage=staging`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { functions as manifest } from '../functions/manifest';
import { venvBin } from './services/moto';
import { projectRoot } from './services/paths';

interface CloudAssemblyManifest {
  artifacts?: Record<string, { type: string; properties?: { templateFile?: string; file?: string }; dependencies?: string[] }>;
}

interface Template {
  Resources?: Record<string, { Type: string }>;
}

interface TemplateSummary {
  name: string;
  templateFile: string;
  resources: number;
  functions: number;
}

export interface StackSummary extends TemplateSummary {
  /** Its nested stacks (each a template of its own, deployed with it; CloudFormation counts 500 per template). */
  nested: TemplateSummary[];
}

function templateSummary(name: string, templateFile: string): TemplateSummary {
  const resources = Object.values((JSON.parse(fs.readFileSync(templateFile, 'utf8')) as Template).Resources ?? {});
  return { name, templateFile, resources: resources.length, functions: resources.filter((r) => r.Type === 'AWS::Lambda::Function').length };
}

/** The nested stack templates a stack's asset manifest lists (CDK ships them as file assets). */
function nestedTemplates(outdir: string, assetManifests: string[]): TemplateSummary[] {
  return assetManifests.flatMap((file) => {
    const assets = JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8')) as { files?: Record<string, { displayName?: string; source: { path?: string } }> };
    return Object.values(assets.files ?? {})
      .filter((a) => a.source.path?.endsWith('.nested.template.json'))
      .map((a) => templateSummary((a.displayName ?? a.source.path!).replace(/ Nested Stack Template$/, ''), path.join(outdir, a.source.path!)));
  });
}

/** The stacks of a synthesized cloud assembly, with their resource and Lambda function counts (nested stacks apart). */
export function stacksOf(outdir: string): StackSummary[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as CloudAssemblyManifest;
  const artifacts = manifest.artifacts ?? {};
  return Object.entries(artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([name, a]) => {
      const assetManifests = (a.dependencies ?? []).map((d) => artifacts[d]).filter((d) => d?.type === 'cdk:asset-manifest' && d.properties?.file).map((d) => d!.properties!.file!);
      return { ...templateSummary(name, path.join(outdir, a.properties!.templateFile!)), nested: nestedTemplates(outdir, assetManifests) };
    });
}

const stackLine = (s: StackSummary, width: number): string => {
  const functions = s.functions + s.nested.reduce((n, t) => n + t.functions, 0);
  const nested = s.nested.length ? ` (${s.nested.map((t) => `${t.functions} in nested ${t.name}: ${t.resources} resources`).join('; ')})` : '';
  return `  ${s.name.padEnd(width)}  ${s.resources} resources, ${functions} Lambda functions${nested}`;
};

/** Findings of the validation plugins (cdk-nag) CDK wrote next to the templates. */
export function validationFindings(outdir: string): number {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return 0;
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { pluginReports?: Array<{ violations?: unknown[] }> };
  return (report.pluginReports ?? []).reduce((n, r) => n + (r.violations?.length ?? 0), 0);
}

/** cfn-lint's verdict on the templates: errors and warnings by rule, or why it did not run. */
export function cfnLint(templates: string[], bin = venvBin('cfn-lint')): string {
  if (!fs.existsSync(bin)) return 'not run (npm test installs it into .services/venv)';
  const run = spawnSync(bin, ['--format', 'parseable', ...templates], { encoding: 'utf8' });
  if (run.error) return `could not run (${run.error.message})`;
  const rules = new Map<string, number>();
  for (const line of run.stdout.split('\n')) {
    const rule = /:([EW]\d{4}):/.exec(line)?.[1];
    if (rule) rules.set(rule, (rules.get(rule) ?? 0) + 1);
  }
  const count = (kind: string) => [...rules].filter(([r]) => r.startsWith(kind)).reduce((n, [, c]) => n + c, 0);
  const list = [...rules].map(([r, c]) => `${r} ×${c}`).join(', ');
  return `${count('E')} errors, ${count('W')} warnings${list ? ` (${list})` : ''}`;
}

export function summary(outdir: string, seconds: number, log: string, lint: (templates: string[]) => string = cfnLint): string[] {
  const stacks = stacksOf(outdir);
  const width = Math.max(...stacks.map((s) => s.name.length));
  const findings = validationFindings(outdir);
  return [
    `synth: ${stacks.length} stacks in ${path.relative(projectRoot, outdir) || outdir}/ (${seconds.toFixed(0)} s; everything cdk printed: ${path.relative(projectRoot, log)})`,
    ...stacks.map((s) => stackLine(s, width)),
    `  functions/manifest.ts: ${manifest.length} functions (the rest are the CDK's own custom-resource handlers)`,
    `  cdk-nag (AwsSolutions): ${findings ? `${findings} unacknowledged findings` : 'no unacknowledged findings'} (acknowledged ones: infra/nag-acknowledgements.ts)`,
    `  cfn-lint: ${lint(stacks.flatMap((s) => [s.templateFile, ...s.nested.map((t) => t.templateFile)]))}`,
  ];
}

function main(): number {
  const outdir = path.join(projectRoot, 'cdk.out');
  fs.mkdirSync(outdir, { recursive: true });
  const log = path.join(outdir, 'synth.log');
  const fd = fs.openSync(log, 'w');
  const started = Date.now();
  const cdk = spawnSync(path.join(projectRoot, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', ...process.argv.slice(2)], {
    cwd: projectRoot,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  if (cdk.status !== 0) {
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    console.error(`synth failed (exit ${cdk.status ?? cdk.signal}); the last lines of ${path.relative(projectRoot, log)}:\n${lines.slice(-40).join('\n')}`);
    return cdk.status ?? 1;
  }
  console.log(summary(outdir, (Date.now() - started) / 1000, log).join('\n'));
  return 0;
}

if (require.main === module) process.exit(main());

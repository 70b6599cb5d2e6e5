/** Builds the CDK app as `npm run synth` does, but without bundling (templates only) for tests. */
import { App } from 'aws-cdk-lib';
import { buildApp, type BuiltApp } from '../../infra/build-app';

export function buildTestApp(options: { acknowledge?: boolean; outdir?: string; context?: Record<string, string> } = {}): { app: App; built: BuiltApp } {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], 'cli-telemetry': false, '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...options.context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const built = buildApp(app, { nag: false, ...(options.acknowledge === false ? { acknowledge: false } : {}) });
  return { app, built };
}

/** Builds the CDK app as `npm run synth` does, but without bundling (templates only) for tests. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuiltApp } from '../../infra/build-app';

export function buildTestApp(options: { acknowledge?: boolean; outdir?: string; context?: Record<string, string> } = {}): { app: App; built: BuiltApp } {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], 'cli-telemetry': false, '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...options.context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const built = buildApp(app, { nag: false, ...(options.acknowledge === false ? { acknowledge: false } : {}) });
  return { app, built };
}

/**
 * The functions stack and its nested stacks (areas deployed as their own stack) as one template, for
 * assertions over every function wherever it is deployed. Logical ids stay unique (they carry the function id).
 */
export function functionsTemplate(built: BuiltApp): Template {
  const parts = [built.functions, ...built.functions.nestedStacks.values()].map((stack) => Template.fromStack(stack).toJSON());
  const resources: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [id, resource] of Object.entries(part.Resources as Record<string, unknown>)) {
      if (id in resources) throw new Error(`logical id ${id} appears in two stacks`);
      resources[id] = resource;
    }
  }
  return Template.fromJSON({ ...parts[0], Resources: resources });
}

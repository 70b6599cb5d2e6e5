/** The manifest is the only list of functions: both of its readers cover every entry. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { functions } from '../../functions/manifest';
import { httpRoutes } from '../../local/routes';
import { startLocalRuntime } from '../../local/runtime';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { useEmbedded } from '../support/environment';
import { buildTestApp, functionsTemplate } from './build';

afterAll(() => resetEnvironment());

describe('function manifest', () => {
  it('has unique ids, existing entries and sane limits', () => {
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    expect(new Set(functions.map((f) => f.id)).size).toBe(functions.length);
    for (const f of functions) {
      expect(fs.existsSync(`${__dirname}/../../${f.entry}`)).toBe(true);
      expect(f.id).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(f.timeoutS).toBeLessThanOrEqual('http' in f.trigger ? 30 : 900);
      expect(f.memoryMb).toBeGreaterThanOrEqual(128);
    }
    const routeKeys = httpRoutes().map((r) => r.routeKey);
    expect(new Set(routeKeys).size).toBe(routeKeys.length);
  });

  it('CDK turns every entry into a function', () => {
    const { built } = buildTestApp();
    expect([...built.functions.functions.keys()].sort()).toEqual(functions.map((f) => f.id).sort());
    const template = functionsTemplate(built);
    for (const f of functions) {
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ IONFLUX_FUNCTION_ID: f.id }) } });
    }
  });

  it('the local runtime serves every entry', async () => {
    await useEmbedded();
    const runtime = await startLocalRuntime({ port: 0, log: () => undefined });
    try {
      expect(runtime.coverage.map((c) => c.id).sort()).toEqual(functions.map((f) => f.id).sort());
      for (const c of runtime.coverage) expect(c.how).not.toMatch(/not started/);
    } finally {
      await runtime.stop();
    }
  });
});

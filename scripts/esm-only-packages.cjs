// Preloaded (node --require) by the local runtime, the CLI and scripts. Middy ≥ 5 ships ESM only and
// its package.json exports only an "import" condition, so CommonJS code (ours, run by tsx) cannot
// resolve it. Node 24 can require() ESM; this hook only adds the "import" condition when resolving
// @middy/* packages. Lambda bundles (esbuild) and jest (moduleNameMapper) don't need it.
// An older Node that inherits NODE_OPTIONS (a Node 24 process starting the system node, which then starts
// scripts/with-node24.cjs) has no registerHooks and runs none of our code: nothing to do there.
'use strict';
const { registerHooks } = require('node:module');

if (typeof registerHooks === 'function') registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith('@middy/') && !context.conditions.includes('import')) {
      return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'import'] });
    }
    return nextResolve(specifier, context);
  },
});

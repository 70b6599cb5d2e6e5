// Jest transformer: TypeScript and ESM (Middy) → CommonJS with esbuild. No type checking here; `npm test`
// runs `tsc --noEmit` first.
'use strict';
const crypto = require('node:crypto');
const { transformSync, version } = require('esbuild');

module.exports = {
  process(source, filename) {
    const result = transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node24',
      sourcemap: 'inline',
      sourcefile: filename,
      supported: { 'dynamic-import': false },
    });
    return { code: result.code };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(version).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
};

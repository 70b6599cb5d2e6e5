/**
 * Jest runs every suite (unit, integration against the real Kafka broker and moto, infra) on Node 24.
 * TypeScript and Middy's ESM-only packages are transpiled to CommonJS by esbuild (test/support/esbuild-transform.cjs);
 * type checking is a separate step of `npm test` (tsc --noEmit).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(ts|js|mjs)$': '<rootDir>/test/support/esbuild-transform.cjs' },
  // Middy ≥ 5 is ESM-only with an "import"-only exports map: map it to its files and transpile them.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
  reporters: ['default'],
};

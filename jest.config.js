/**
 * Jest runs every suite (unit, integration against the real Kafka broker and moto, infra) on Node 24.
 * TypeScript and the ESM-only packages (Middy; music-metadata and its dependencies) are transpiled to CommonJS
 * by esbuild (test/support/esbuild-transform.cjs);
 * type checking is a separate step of `npm test` (tsc --noEmit).
 * @type {import('jest').Config}
 */
const ESM_ONLY = [
  '@middy',
  'music-metadata',
  'strtok3',
  'token-types',
  '@tokenizer',
  'file-type',
  'uint8array-extras',
  '@borewit',
  'win-guid',
  'media-typer',
  'content-type',
  // Under "module-sync" these resolve to .mjs files (axios, under @sendgrid/client, reaches them through get-intrinsic).
  'async-function',
  'async-generator-function',
  'generator-function',
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(ts|js|mjs)$': '<rootDir>/test/support/esbuild-transform.cjs' },
  // Middy ≥ 5 is ESM-only with an "import"-only exports map: map it to its files and transpile them.
  // music-metadata (and the packages it imports) are ESM-only too, exported under "module-sync" (what
  // Node 24's require() of ESM reads): resolved by that condition and transpiled.
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', 'module-sync'] },
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
  reporters: ['default'],
};

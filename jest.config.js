/** Jest runs the ESM sources through ts-jest (transpile only; `npm run typecheck` type-checks). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Imports name the compiled files: `.js` for the ESM sources, `.cjs` for the package's one CommonJS file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^(\\.{1,2}/(?:.*/)?commonjs-scope)\\.cjs$': '$1.cts' },
  transform: {
    '^.+\\.c?ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.check.json' }],
  },
  // Tests live by area (test/receiving, test/queue, …): `*.spec.ts` are unit specs (no server, no
  // Redis, no process); `*.e2e-spec.ts` run the real thing (a Nest app over HTTP, Redis, the CLI).
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 30000,
};

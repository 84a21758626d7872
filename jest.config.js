/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type errors are `npm run typecheck`'s job; tests only transpile.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {},
  globalSetup: '<rootDir>/test/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.mjs',
  setupFiles: ['reflect-metadata'],
  // A Citus cluster (docs/scaling.md) creates and distributes every test database over three
  // nodes, and plans each statement twice: set-up hooks take longer there.
  testTimeout: process.env.CITUS_WORKER_URLS ? 180_000 : 60_000,
  maxWorkers: 2,
};

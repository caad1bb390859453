// Two tiers: unit tests touch no I/O; integration tests run on a real
// PostgreSQL (embedded, or TEST_DATABASE_URL) prepared once per run.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      // The browser pages' pure modules (src/pages/*.js, ES modules the
      // browser loads as they are) are compiled for Jest like the tests.
      transform: { '^.+\\.ts$': tsJest, '^.+/src/pages/.+\\.js$': tsJest },
      setupFiles: ['reflect-metadata'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      transform: { '^.+\\.ts$': tsJest },
      setupFiles: ['reflect-metadata'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  // Jest reads the timeout from the top level only, not per project.
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

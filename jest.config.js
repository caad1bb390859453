// Two tiers: unit tests touch no I/O; integration tests run on a real
// PostgreSQL (embedded, or TEST_DATABASE_URL) prepared once per run. A third
// project, `citus`, runs the integration suites that touch the database
// again on the Citus cluster TEST_CITUS_URL names (.ci/run starts one);
// without it, the project reports itself skipped.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }];

/**
 * Integration suites the citus project leaves out: they never reach the
 * cluster (the journal alone, the embedded PostgreSQL, outages of a
 * PostgreSQL of their own) or drive Chromium through pages whose figures
 * the API suites already check on the cluster (the corpus render reads no
 * figures at all, and takes minutes); and the suites that start Citus
 * clusters of their own.
 */
const notOnTheCluster = [
  'embedded-postgres', 'journal-memory', 'journal-outage', 'fault-tolerance', 'webhook-outage',
  'stats-page', 'stats-page-exports', 'stats-page-breakdowns', 'settings-page', 'trap-link-render', 'corpus-render', 'settings-webhooks-page', 'live-page',
  // HTTP-level limits (bodies, parsing, the pixel's latency under a hostile request) and the
  // retry schedule's real waits (3 minutes, the claims it exercises run on the cluster in
  // outbound-api and outbound-settling): nothing in them depends on where the rows live.
  'hostile-requests', 'hostile-input', 'answer-slices', 'instrument-input', 'outbound-retries',
  'citus-distribution', 'citus-rebalance',
].map((name) => `/test/integration/${name}\\.test\\.ts$`);

const integration = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  setupFiles: ['reflect-metadata'],
};

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
      ...integration,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    process.env.TEST_CITUS_URL
      ? {
          ...integration,
          displayName: 'citus',
          // and test/citus/: what only a cluster can tell (which statements stay on one shard)
          roots: ['<rootDir>/test/integration', '<rootDir>/test/citus'],
          testPathIgnorePatterns: ['/node_modules/', ...notOnTheCluster],
          globals: { ET_TEST_TARGET: 'citus' },
          globalSetup: '<rootDir>/test/support/citus-global-setup.ts',
          globalTeardown: '<rootDir>/test/support/citus-global-teardown.ts',
        }
      : { ...integration, displayName: 'citus', roots: ['<rootDir>/test/citus-skipped'] },
  ],
  // Jest reads the timeout from the top level only, not per project.
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

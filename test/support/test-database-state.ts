// Hands the run's database from globalSetup to the test workers (through the
// environment, which workers inherit) and to globalTeardown. Two projects
// run the integration tests: `integration` on the test PostgreSQL and
// `citus` on a Citus cluster; each has a variable of its own, and a test
// file knows its project from the Jest global ET_TEST_TARGET.
export interface TestDatabaseState {
  url: string;
  adminUrl: string;
  database: string;
  /** the embedded cluster's port, when the run uses one */
  embeddedPort: number | null;
  /** true when the database is on a Citus cluster */
  citus: boolean;
  /** why the database could not be prepared: each test of the project fails with it, the other projects run */
  setupError?: string;
}

export type TestTarget = 'postgres' | 'citus';

/**
 * Shards per distributed table in the tests' Citus databases: each shard of
 * each table is a table on a worker, and creating them is most of what
 * distributing costs (32, Citus's default, makes a fresh database take
 * about 20 s on two cores; 4 about 3 s).
 */
export const TEST_SHARD_COUNT = 4;

const variable = (target: TestTarget) => (target === 'citus' ? 'ET_TEST_DATABASE_STATE_CITUS' : 'ET_TEST_DATABASE_STATE');

/** The project of the test file running here (set by jest.config.js). */
export function testTarget(): TestTarget {
  return (globalThis as { ET_TEST_TARGET?: TestTarget }).ET_TEST_TARGET ?? 'postgres';
}

export function setTestDatabase(state: TestDatabaseState, target: TestTarget): void {
  process.env[variable(target)] = JSON.stringify(state);
}

export function findTestDatabase(target: TestTarget = testTarget()): TestDatabaseState | null {
  const raw = process.env[variable(target)];
  return raw ? (JSON.parse(raw) as TestDatabaseState) : null;
}

export function getTestDatabase(target: TestTarget = testTarget()): TestDatabaseState {
  const state = findTestDatabase(target);
  if (!state) throw new Error('no test database: integration tests run through jest with the integration project globalSetup');
  if (state.setupError) throw new Error(`the ${target} test database could not be prepared: ${state.setupError}`);
  return state;
}

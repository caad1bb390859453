// Hands the run's database from globalSetup to the test workers (through the
// environment, which workers inherit) and to globalTeardown.
export interface TestDatabaseState {
  url: string;
  adminUrl: string;
  database: string;
  /** the embedded cluster's port, when the run uses one */
  embeddedPort: number | null;
}

const VARIABLE = 'ET_TEST_DATABASE_STATE';

export function setTestDatabase(state: TestDatabaseState): void {
  process.env[VARIABLE] = JSON.stringify(state);
}

export function getTestDatabase(): TestDatabaseState {
  const raw = process.env[VARIABLE];
  if (!raw) throw new Error('no test database: integration tests run through jest with the integration project globalSetup');
  return JSON.parse(raw) as TestDatabaseState;
}

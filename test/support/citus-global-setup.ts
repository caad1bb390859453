// The `citus` project, once per run: a fresh database on the cluster whose
// coordinator TEST_CITUS_URL names (its maintenance database), with the
// cluster's workers, migrated and distributed. jest.config.js runs the
// project only when the variable is set. A cluster that cannot be used
// fails this project's tests, each with the reason, not the whole run.
import 'reflect-metadata';
import { prepareTestDatabase } from './prepare-test-database';
import { setTestDatabase } from './test-database-state';

export default async function citusGlobalSetup(): Promise<void> {
  const adminUrl = process.env.TEST_CITUS_URL as string;
  try {
    await prepareTestDatabase(adminUrl, 'citus', null);
  } catch (error) {
    const setupError = error instanceof Error ? error.message : String(error);
    process.stderr.write(`citus project: ${setupError}\n`);
    setTestDatabase({ url: '', adminUrl, database: '', embeddedPort: null, citus: true, setupError }, 'citus');
  }
}

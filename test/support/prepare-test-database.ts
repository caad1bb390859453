// The run's database for one project: created fresh on the server of
// `adminUrl` (on every node of a Citus cluster), migrated once, handed to the
// test workers; dropped again at the end of the run.
import { createDataSource, migrate } from '../../src/db/data-source';
import { citusNodes, createDatabase, dropDatabase } from '../../src/db/database-admin';
import { getTestDatabase, setTestDatabase, TEST_SHARD_COUNT, type TestTarget } from './test-database-state';

export async function prepareTestDatabase(adminUrl: string, target: TestTarget, embeddedPort: number | null): Promise<void> {
  const database = `et_test_${Date.now().toString(36)}_${process.pid}${target === 'citus' ? '_citus' : ''}`;
  const citus = (await citusNodes(adminUrl)) !== null;
  if (target === 'citus' && !citus) throw new Error('TEST_CITUS_URL must name a Citus coordinator (the citus extension in its maintenance database, with workers added)');
  const url = await createDatabase(adminUrl, database, { shardCount: TEST_SHARD_COUNT });
  const db = createDataSource({ url, poolSize: 2 });
  try {
    await db.initialize();
    await migrate(db);
  } catch (error) {
    if (db.isInitialized) await db.destroy();
    await dropDatabase(adminUrl, database);
    throw error;
  }
  await db.destroy();
  setTestDatabase({ url, adminUrl, database, embeddedPort, citus }, target);
}

export async function dropTestDatabase(target: TestTarget): Promise<void> {
  const state = getTestDatabase(target);
  await dropDatabase(state.adminUrl, state.database);
}

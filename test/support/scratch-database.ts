// A database of its own on the run's PostgreSQL (a Citus one when the run is
// on a cluster), migrated, for tests that act on the whole database
// (retention drops partitions, counts every row).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '../../src/db/data-source';
import { createDatabase, dropDatabase } from '../../src/db/database-admin';
import { getTestDatabase, TEST_SHARD_COUNT } from './test-database-state';

export interface ScratchDatabase {
  url: string;
  db: DataSource;
  drop(): Promise<void>;
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `et_scratch_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const { adminUrl } = getTestDatabase();
  const url = await createDatabase(adminUrl, name, { shardCount: TEST_SHARD_COUNT });
  const db = createDataSource({ url, poolSize: 4 });
  await db.initialize();
  await migrate(db);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(adminUrl, name);
    },
  };
}

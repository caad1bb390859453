// Drops the run's database and stops the embedded test cluster.
import path from 'node:path';
import { Client } from 'pg';
import type { EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { removeStaleSpoolRoots } from './spool';
import { removeCluster, testClustersRoot } from './test-clusters';
import { getTestDatabase } from './test-database-state';

export default async function globalTeardown(): Promise<void> {
  const state = getTestDatabase();
  const admin = new Client({ connectionString: state.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(state.database)} WITH (FORCE)`);
  await admin.end();
  removeStaleSpoolRoots();
  const embedded = (globalThis as { __embeddedTestPostgres?: EmbeddedPostgres }).__embeddedTestPostgres;
  if (embedded) {
    await embedded.stop();
    removeCluster(path.join(testClustersRoot, String(process.pid)));
  }
}

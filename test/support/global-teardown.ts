// Drops the run's database and stops the embedded test cluster.
import path from 'node:path';
import type { EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { dropTestDatabase } from './prepare-test-database';
import { removeStaleSpoolRoots } from './spool';
import { removeCluster, testClustersRoot } from './test-clusters';

export default async function globalTeardown(): Promise<void> {
  await dropTestDatabase('postgres');
  removeStaleSpoolRoots();
  const embedded = (globalThis as { __embeddedTestPostgres?: EmbeddedPostgres }).__embeddedTestPostgres;
  if (embedded) {
    await embedded.stop();
    removeCluster(path.join(testClustersRoot, String(process.pid)));
  }
}

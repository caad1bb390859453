// Drops the run's database and stops the embedded test cluster.
import { Client } from 'pg';
import type { EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { getTestDatabase } from './test-database-state';

export default async function globalTeardown(): Promise<void> {
  const state = getTestDatabase();
  const admin = new Client({ connectionString: state.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(state.database)} WITH (FORCE)`);
  await admin.end();
  const embedded = (globalThis as { __embeddedTestPostgres?: EmbeddedPostgres }).__embeddedTestPostgres;
  await embedded?.stop();
}

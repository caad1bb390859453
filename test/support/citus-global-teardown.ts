// Drops the `citus` project's database on every node of the cluster.
import { dropTestDatabase } from './prepare-test-database';
import { findTestDatabase } from './test-database-state';

export default async function citusGlobalTeardown(): Promise<void> {
  const state = findTestDatabase('citus');
  if (state && !state.setupError) await dropTestDatabase('citus');
}

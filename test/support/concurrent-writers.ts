// Two writers at once, to show they never wait on each other: the first
// leaves its transaction open while the second writes with a short lock
// timeout and commits, then compaction runs, and only then the first commits.
// Had the second to wait for a row the first holds, it would time out.
import type { DataSource, EntityManager } from 'typeorm';
import { compactSendStats } from '../../src/stats/compaction';

/** Returns the deltas compaction folded while the first writer was still open. */
export async function writeAlongside(
  db: DataSource,
  first: (manager: EntityManager) => Promise<unknown>,
  second: (manager: EntityManager) => Promise<unknown>,
): Promise<number> {
  const holder = db.createQueryRunner();
  const other = db.createQueryRunner();
  await holder.startTransaction();
  await other.startTransaction();
  try {
    await first(holder.manager);
    await other.query(`SET LOCAL lock_timeout = '1s'`);
    await second(other.manager);
    await other.commitTransaction();
    const folded = await compactSendStats(db);
    await holder.commitTransaction();
    return folded;
  } finally {
    if (holder.isTransactionActive) await holder.rollbackTransaction();
    if (other.isTransactionActive) await other.rollbackTransaction();
    await holder.release();
    await other.release();
  }
}

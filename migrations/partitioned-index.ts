// An index on tracking_events built without blocking the event writer: on
// the parent only (ON ONLY: a catalogue entry, invalid until every partition
// has its part), then CONCURRENTLY on each partition and attached. A part
// left invalid by an interrupted run is dropped and built again, so the
// migration can simply be run again. Used by migrations 1765040000000 and
// 1765100000000.
import type { QueryRunner } from 'typeorm';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `name` on tracking_events over `key` (columns and an optional WHERE); each partition's part is `<partition>_<suffix>`. */
export async function createEventsIndexConcurrently(db: QueryRunner, name: string, suffix: string, key: string): Promise<void> {
  await db.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ONLY tracking_events ${key}`);
  const partitions: { name: string }[] = await db.query(`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'tracking_events'::regclass ORDER BY 1`);
  for (const partition of partitions) {
    const index = `${partition.name}_${suffix}`;
    const [state] = await db.query(`SELECT x.indisvalid AS valid FROM pg_class c JOIN pg_index x ON x.indexrelid = c.oid WHERE c.relname = $1`, [index]);
    if (state && !(state as { valid: boolean }).valid) await db.query(`DROP INDEX CONCURRENTLY ${quoteIdent(index)}`);
    await db.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(index)} ON ${quoteIdent(partition.name)} ${key}`);
    const [attached] = await db.query(`SELECT 1 FROM pg_inherits WHERE inhrelid = $1::regclass`, [index]);
    if (!attached) await db.query(`ALTER INDEX ${quoteIdent(name)} ATTACH PARTITION ${quoteIdent(index)}`);
  }
}

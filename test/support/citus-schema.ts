// The schema as Citus sees it, for the tests that distribute it.
import type { DataSource } from 'typeorm';

/** Every table of the schema with an org_id column, partitions included. */
export async function orgTables(db: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await db.query(`
    SELECT c.oid::regclass::text AS name FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped)
    ORDER BY 1`);
  return rows.map((row) => row.name);
}

/**
 * Citus refuses to distribute a table with triggers. Until the trigger-free
 * write path (issue 23, part W) is merged, the migrations still create them
 * on sends and send_links; a test of distribution alone drops them by hand
 * first. Once part W is in, there is nothing to drop and this goes.
 */
export async function dropTriggersOnOrgTables(db: DataSource): Promise<void> {
  const triggers: { name: string; table: string }[] = await db.query(`
    SELECT t.tgname AS name, t.tgrelid::regclass::text AS table FROM pg_trigger t
    WHERE NOT t.tgisinternal AND t.tgrelid IN (SELECT attrelid FROM pg_attribute WHERE attname = 'org_id')`);
  for (const trigger of triggers) await db.query(`DROP TRIGGER "${trigger.name.replace(/"/g, '""')}" ON ${trigger.table}`);
}

// No figure is kept by a trigger (issue 23): Citus refuses to distribute a
// table that has triggers (without citus.enable_unsafe_triggers) and never
// runs statement triggers with transition tables on a distributed table. The
// code that changes rows keeps the figures; these catalogue checks keep the
// triggers from coming back, and prove on a scratch database that they would
// see one.
import type { DataSource } from 'typeorm';
import { openTestDataSource } from '../support/app';
import { createScratchDatabase } from '../support/scratch-database';

/** User triggers (not the ones PostgreSQL makes for constraints) that use transition tables, anywhere. */
async function transitionTableTriggers(db: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await db.query(`
    SELECT t.tgrelid::regclass || '.' || t.tgname AS name FROM pg_trigger t
    WHERE NOT t.tgisinternal AND (t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL)
    ORDER BY 1`);
  return rows.map((row) => row.name);
}

/** User triggers on any table (partitions included) that has an org_id column. */
async function triggersOnOrganisationTables(db: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await db.query(`
    SELECT t.tgrelid::regclass || '.' || t.tgname AS name FROM pg_trigger t
    WHERE NOT t.tgisinternal
      AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = t.tgrelid AND a.attname = 'org_id' AND NOT a.attisdropped)
    ORDER BY 1`);
  return rows.map((row) => row.name);
}

describe('triggers', () => {
  it('none uses transition tables, and no table carrying org_id has any', async () => {
    const db = await openTestDataSource(1);
    try {
      expect(await transitionTableTriggers(db)).toEqual([]);
      expect(await triggersOnOrganisationTables(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it('the checks see a trigger that comes back', async () => {
    const scratch = await createScratchDatabase();
    try {
      const { db } = scratch;
      // Tables of their own, carrying org_id as ours do: on a Citus cluster ours are distributed,
      // and Citus refuses any trigger there, so the checks are proven on plain local tables.
      await db.query(`CREATE TABLE probe_sends (org_id text NOT NULL, id uuid NOT NULL)`);
      await db.query(`CREATE TABLE probe_links (org_id text NOT NULL, send_id uuid NOT NULL)`);
      await db.query(`CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
      await db.query(`CREATE TRIGGER back_on_update AFTER UPDATE ON probe_sends REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION noop()`);
      await db.query(`CREATE TRIGGER back_per_row AFTER INSERT ON probe_links FOR EACH ROW EXECUTE FUNCTION noop()`);
      expect(await transitionTableTriggers(db)).toEqual(['probe_sends.back_on_update']);
      expect(await triggersOnOrganisationTables(db)).toEqual(['probe_links.back_per_row', 'probe_sends.back_on_update']);
    } finally {
      await scratch.drop();
    }
  });
});

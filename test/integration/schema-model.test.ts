// The data model as the migrations built it.
import type { DataSource } from 'typeorm';
import { distributeTables, hasCitus } from '../../src/db/citus';
import { migrate } from '../../src/db/data-source';
import { openTestDataSource } from '../support/app';
import { orgTables } from '../support/citus-schema';
import { getTestDatabase } from '../support/test-database-state';

let db: DataSource;
beforeAll(async () => {
  db = await openTestDataSource();
});
afterAll(async () => {
  await db.destroy();
});

async function applicationTables(): Promise<string[]> {
  const rows: { relname: string }[] = await db.query(`
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'
    ORDER BY 1`);
  return rows.map((row) => row.relname);
}

describe('schema', () => {
  it('has the tables of the data model', async () => {
    expect(await applicationTables()).toEqual(
      expect.arrayContaining([
        'campaigns',
        'contact_privacy_actions',
        'contacts',
        'email_settings',
        'enrollments',
        'processed_webhook_events',
        'send_links',
        'sends',
        'templates',
        'tracking_events',
      ]),
    );
  });

  it('leads every primary key and every index with org_id, but the Message-Id look-up across organisations', async () => {
    const rows: { table: string; index: string; first: string }[] = await db.query(`
      SELECT t.relname AS table, i.relname AS index, a.attname AS first
      FROM pg_index x
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
      WHERE n.nspname = 'public' AND t.relname <> 'schema_migrations'`);
    expect(rows.length).toBeGreaterThan(10);
    // Webhook events without a send_id are matched by Message-Id among all
    // organisations (contract section 6); org_id comes second in that index.
    expect(rows.filter((row) => row.first !== 'org_id')).toEqual([{ table: 'sends', index: 'sends_by_message_id_idx', first: 'message_id' }]);
    const tables = await applicationTables();
    const withPrimaryKey: { relname: string }[] = await db.query(`
      SELECT t.relname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      WHERE c.contype = 'p' AND t.relname = ANY($1)`, [tables]);
    expect(withPrimaryKey.map((row) => row.relname).sort()).toEqual(tables);
  });

  it('partitions raw events by month, with partitions ahead of now', async () => {
    const rows: { name: string; bound: string }[] = await db.query(`
      SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'tracking_events'::regclass`);
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const name = `tracking_events_${next.getUTCFullYear()}_${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(rows.map((row) => row.name)).toEqual(expect.arrayContaining([name, 'tracking_events_default']));
    expect(rows.find((row) => row.name === name)?.bound).toMatch(/FROM \('.*00:00:00\+00'\) TO \('.*00:00:00\+00'\)/);
  });

  it('moves rows caught by the default partition into a month created later', async () => {
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(`
        INSERT INTO tracking_events (org_id, id, send_id, occurred_at, kind, source, counted, bot, mpp)
        VALUES ('org-partition-test', gen_random_uuid(), gen_random_uuid(), '2001-02-03T04:05:06Z', 'OPEN', 'PIXEL', true, false, false)`);
      expect(await runner.query(`SELECT ensure_tracking_event_partitions('2001-02-01', '2001-02-01') AS created`)).toEqual([{ created: 1 }]);
      // Asked by name rather than by tableoid, which on Citus names the worker's shard.
      const where: { month: number; other: number }[] = await runner.query(`
        SELECT (SELECT count(*)::int FROM tracking_events_2001_02 WHERE org_id = 'org-partition-test') AS month,
               (SELECT count(*)::int FROM tracking_events_default WHERE org_id = 'org-partition-test') AS other`);
      expect(where).toEqual([{ month: 1, other: 0 }]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  // Citus distributes a table by org_id only when every unique constraint
  // and foreign key of it includes org_id (docs/scaling.md).
  it('keeps org_id in every unique constraint and every foreign key', async () => {
    const rows: { table: string; constraint: string; columns: string[] }[] = await db.query(`
      SELECT t.relname AS table, c.conname AS constraint, array_agg(a.attname::text ORDER BY a.attnum) AS columns
      FROM pg_constraint c
      JOIN pg_class t ON t.oid = c.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(c.conkey)
      WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f', 'x') AND t.relname <> 'schema_migrations' AND NOT t.relispartition
      GROUP BY 1, 2`);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.filter((row) => !row.columns.includes('org_id'))).toEqual([]);
    const unique: { index: string }[] = await db.query(`
      SELECT i.relname AS index FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND x.indisunique AND t.relname <> 'schema_migrations'
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attname = 'org_id' AND a.attnum = ANY(x.indkey))`);
    expect(unique).toEqual([]);
  });

  it('is distributed by org_id in one co-location group on Citus, and left as it is on plain PostgreSQL', async () => {
    const tables = await orgTables(db);
    if (getTestDatabase().citus) {
      const placed: { table: string; column: string; colocation: number }[] = await db.query(`
        SELECT logicalrelid::regclass::text AS table, column_to_column_name(logicalrelid, partkey) AS column, colocationid AS colocation
        FROM pg_dist_partition`);
      expect(placed.map((row) => row.table).sort()).toEqual([...tables].sort());
      expect(new Set(placed.map((row) => `${row.column} ${row.colocation}`)).size).toBe(1);
      expect(placed[0].column).toBe('org_id');
    } else {
      expect(await hasCitus(db)).toBe(false);
      expect(await distributeTables(db, [])).toBeNull();
      expect(tables).toContain('sends');
    }
  });

  it('has nothing left to migrate', async () => {
    expect(await migrate(db)).toEqual([]);
  });
});

// On a real Citus cluster (a coordinator and two workers of the test's own):
// migrate() distributes every table that carries org_id by org_id, in one
// co-location group, monthly partitions included, rows already there
// included; the partition function goes on working; a second run changes
// nothing; a table a later migration adds is distributed on the next run.
// And the health probe counts a worker that is down as the database down.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CITUS_ANCHOR_TABLE } from '../../src/db/citus';
import { createDataSource, migrate } from '../../src/db/data-source';
import { createDatabase } from '../../src/db/database-admin';
import { DatabaseHealth } from '../../src/db/health';
import { citusUnavailable, startCitusCluster, type CitusCluster } from '../../bench/citus-cluster';
import { dropTriggersOnOrgTables, orgTables } from '../support/citus-schema';

const unavailable = citusUnavailable();
if (unavailable) console.warn(`no Citus cluster can be started: ${unavailable}; the distribution tests are skipped`);
const describeOnCluster = unavailable ? describe.skip : describe;

interface Placement {
  table: string;
  column: string;
  colocation: number;
}

async function distributed(db: DataSource): Promise<Placement[]> {
  return db.query(`
    SELECT logicalrelid::regclass::text AS table, column_to_column_name(logicalrelid, partkey) AS column, colocationid AS colocation
    FROM pg_dist_partition ORDER BY 1`);
}

describeOnCluster(`migrate() on a Citus cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let cluster: CitusCluster;
  let db: DataSource;
  const orgId = `org-${randomUUID().slice(0, 8)}`;
  const sendId = randomUUID();
  const reports: { distributed: string[]; reference: string[] }[] = [];

  beforeAll(async () => {
    cluster = await startCitusCluster(2);
    const url = await createDatabase(cluster.adminUrl, 'citus_distribution', { shardCount: 4 });
    db = createDataSource({ url, poolSize: 2 });
    await db.initialize();
    // A database that ran on one PostgreSQL first: schema and rows, then Citus.
    await db.runMigrations({ transaction: 'each' });
    await dropTriggersOnOrgTables(db);
    await db.query(`INSERT INTO sends (org_id, id, sender_id, contact_id, recipient_email, tracked, opens) VALUES ($1, $2, 'u1', 'c1', 'a@example.com', true, 3)`, [orgId, sendId]);
    await db.query(
      `INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp) VALUES ($1, $2, now(), gen_random_uuid(), 'OPEN', 'PIXEL', true, false, false)`,
      [orgId, sendId],
    );
    expect(await migrate(db, (report) => reports.push(report))).toEqual([]);
  }, 180_000);

  afterAll(async () => {
    await db?.destroy();
    await cluster?.stop();
  }, 60_000);

  it('distributes every table with org_id by org_id, co-located with sends, partitions included; the migrations table stays local', async () => {
    const placements = await distributed(db);
    const expected = await orgTables(db);
    expect(expected).toEqual(expect.arrayContaining(['sends', 'tracking_events', 'tracking_events_default', 'send_links']));
    expect(placements.map((placement) => placement.table).sort()).toEqual([...expected].sort());
    const anchor = placements.find((placement) => placement.table === CITUS_ANCHOR_TABLE);
    expect(placements.filter((placement) => placement.column !== 'org_id' || placement.colocation !== anchor?.colocation)).toEqual([]);
    expect(reports[0].distributed[0]).toBe(CITUS_ANCHOR_TABLE);
    expect(reports[0].reference).toEqual([]);
    const [{ local }] = await db.query(`SELECT count(*)::int AS local FROM pg_dist_partition WHERE logicalrelid = 'schema_migrations'::regclass`);
    expect(local).toBe(0);
  });

  it('places shards on both workers and moves the rows that were there into them', async () => {
    const nodes: { port: number }[] = await db.query(`SELECT DISTINCT nodeport AS port FROM pg_dist_shard_placement ORDER BY 1`);
    expect(nodes.map((node) => node.port)).toEqual(cluster.workers.map((worker) => worker.port));
    expect(await db.query(`SELECT opens FROM sends WHERE org_id = $1 AND id = $2`, [orgId, sendId])).toEqual([{ opens: 3 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM tracking_events WHERE org_id = $1`, [orgId])).toEqual([{ n: 1 }]);
    // The coordinator's own copies were emptied once the shards held the rows.
    const [{ bytes }] = await db.query(`SELECT pg_relation_size('sends') + pg_relation_size('tracking_events_default') AS bytes`);
    expect(Number(bytes)).toBe(0);
  });

  it('changes nothing when run again', async () => {
    const before = await distributed(db);
    const shards = await db.query(`SELECT count(*)::int AS n FROM pg_dist_shard`);
    expect(await migrate(db, (report) => reports.push(report))).toEqual([]);
    expect(reports[reports.length - 1]).toEqual({ distributed: [], reference: [] });
    expect(await distributed(db)).toEqual(before);
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_dist_shard`)).toEqual(shards);
  });

  it('creates a new month as a co-located partition, moving what the default partition caught', async () => {
    const at = '2001-02-03T04:05:06Z';
    await db.query(
      `INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp) VALUES ($1, $2, $3, gen_random_uuid(), 'OPEN', 'PIXEL', true, false, false)`,
      [orgId, sendId, at],
    );
    expect(await db.query(`SELECT ensure_tracking_event_partitions('2001-02-01', '2001-02-01') AS created`)).toEqual([{ created: 1 }]);
    const [month] = (await distributed(db)).filter((placement) => placement.table === 'tracking_events_2001_02');
    const [anchor] = (await distributed(db)).filter((placement) => placement.table === CITUS_ANCHOR_TABLE);
    expect(month).toEqual({ table: 'tracking_events_2001_02', column: 'org_id', colocation: anchor.colocation });
    expect(await db.query(`SELECT count(*)::int AS n FROM tracking_events_2001_02 WHERE org_id = $1`, [orgId])).toEqual([{ n: 1 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM tracking_events_default WHERE org_id = $1`, [orgId])).toEqual([{ n: 0 }]);
  });

  it('reports the database down while a worker is down, and up again once it is back', async () => {
    // A new probe each time: the probe caches its answer for a second.
    const [worker] = cluster.workers;
    expect(await new DatabaseHealth(db).state()).toBe('up');
    await cluster.stopWorker(worker);
    try {
      expect(await new DatabaseHealth(db).state()).toBe('down');
    } finally {
      await cluster.restartWorker(worker);
    }
    expect(await new DatabaseHealth(db).state()).toBe('up');
  }, 60_000);

  it('distributes a table a later migration adds on the next run, and copies a table without org_id to every node', async () => {
    await db.query(`CREATE TABLE later_things (org_id text NOT NULL, id integer NOT NULL, PRIMARY KEY (org_id, id))`);
    await db.query(`CREATE TABLE shared_codes (code text PRIMARY KEY)`);
    expect(await migrate(db, (report) => reports.push(report))).toEqual([]);
    expect(reports[reports.length - 1]).toEqual({ distributed: ['later_things'], reference: ['shared_codes'] });
    const kinds: { table: string; kind: string }[] = await db.query(`
      SELECT logicalrelid::regclass::text AS table, partmethod AS kind FROM pg_dist_partition
      WHERE logicalrelid IN ('later_things'::regclass, 'shared_codes'::regclass) ORDER BY 1`);
    // 'h': hash-distributed; 'n': none, a reference table
    expect(kinds).toEqual([{ table: 'later_things', kind: 'h' }, { table: 'shared_codes', kind: 'n' }]);
  });
});

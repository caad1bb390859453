// Citus, in one place. When the database has the `citus` extension (a
// coordinator with workers), every table that carries org_id is distributed
// by it, co-located with `sends`, so everything one organisation owns lives
// on one shard group and a statement filtered by `org_id = $1` runs on one
// worker; a table without org_id is small and shared, so it is copied to
// every node (a reference table). Run after every migration: a table a new
// migration creates is distributed the next time, and a second run changes
// nothing. On plain PostgreSQL it does nothing. See docs/scaling.md.
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

type Queryable = Pick<DataSource | EntityManager | QueryRunner, 'query'>;

/** The anchor of the co-location group: the table every other one is placed with. */
export const CITUS_ANCHOR_TABLE = 'sends';
export const DISTRIBUTION_COLUMN = 'org_id';

export interface CitusDistribution {
  /** tables distributed by org_id in this run, the anchor first */
  distributed: string[];
  /** tables without org_id made reference tables in this run */
  reference: string[];
}

/** One line for an operator: what this run distributed. */
export function describeDistribution(distribution: CitusDistribution): string {
  const made = [...distribution.distributed, ...distribution.reference.map((table) => `${table} (reference)`)];
  return made.length === 0 ? 'Citus: every table was distributed already.' : `Citus: distributed ${made.join(', ')}.`;
}

export async function hasCitus(db: Queryable): Promise<boolean> {
  const [row]: { citus: boolean }[] = await db.query(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus`);
  return row.citus;
}

interface PendingTable {
  name: string;
  byOrg: boolean;
}

/**
 * The application's tables Citus does not manage yet: ordinary and
 * partitioned tables of the current schema, not partitions (they follow
 * their parent), not an extension's, not the migrations' own bookkeeping.
 */
async function pendingTables(db: Queryable, keepLocal: readonly string[]): Promise<PendingTable[]> {
  const rows: { name: string; by_org: boolean }[] = await db.query(
    `SELECT c.oid::regclass::text AS name,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped) AS by_org
     FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace
       AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence = 'p'
       AND c.relname <> ALL ($2::text[])
       AND NOT EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)
       AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = c.oid AND e.deptype = 'e')
     ORDER BY c.relname <> $3, c.relname`,
    [DISTRIBUTION_COLUMN, keepLocal, CITUS_ANCHOR_TABLE],
  );
  return rows.map((row) => ({ name: row.name, byOrg: row.by_org }));
}

/**
 * Distributes what is not distributed yet; null on plain PostgreSQL. Rows
 * already in a table (a database moved onto Citus) are copied into its
 * shards, then removed from the coordinator's local copy. Run it where the
 * migrations run, under their lock, so two instances starting together do
 * it once.
 */
export async function distributeTables(db: Queryable, keepLocal: readonly string[]): Promise<CitusDistribution | null> {
  if (!(await hasCitus(db))) return null;
  const [{ coordinator }]: { coordinator: boolean }[] = await db.query(`SELECT citus_is_coordinator() AS coordinator`);
  if (!coordinator) throw new Error('the database is a Citus worker: point DATABASE_URL at the coordinator');
  const done: CitusDistribution = { distributed: [], reference: [] };
  for (const table of await pendingTables(db, keepLocal)) {
    try {
      if (!table.byOrg) {
        await db.query(`SELECT create_reference_table($1::regclass)`, [table.name]);
        done.reference.push(table.name);
      } else if (table.name === CITUS_ANCHOR_TABLE) {
        await db.query(`SELECT create_distributed_table($1::regclass, $2)`, [table.name, DISTRIBUTION_COLUMN]);
        done.distributed.push(table.name);
      } else {
        await db.query(`SELECT create_distributed_table($1::regclass, $2, colocate_with => $3)`, [table.name, DISTRIBUTION_COLUMN, CITUS_ANCHOR_TABLE]);
        done.distributed.push(table.name);
      }
      await db.query(`SELECT truncate_local_data_after_distributing_table($1::regclass)`, [table.name]);
    } catch (error) {
      throw new Error(`cannot distribute ${table.name} on Citus: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return done;
}

/**
 * Every active worker answers the coordinator. Bounded: the statement and
 * the coordinator's connection attempts give up after `timeoutMs`, so a
 * worker that is gone cannot hold a connection for long.
 */
export async function probeCitusWorkers(db: DataSource, timeoutMs: number): Promise<boolean> {
  const ms = Math.max(1, Math.trunc(timeoutMs));
  return db.transaction(async (manager) => {
    await manager.query(`SET LOCAL statement_timeout = ${ms}`);
    await manager.query(`SET LOCAL citus.node_connection_timeout = ${ms}`);
    const [row]: { up: boolean }[] = await manager.query(`SELECT coalesce(bool_and(success), true) AS up FROM run_command_on_workers('SELECT 1')`);
    return row.up;
  });
}

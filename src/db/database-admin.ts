// CREATE and DROP DATABASE for the tests and the benchmarks, which make a
// fresh database per run, on plain PostgreSQL or on a Citus cluster. Citus metadata (the extension, the list of
// nodes) lives per database, and Citus 13 creates a database on the workers
// only when asked (citus.enable_create_database_propagation), without the
// extension: so the database is created on every node, the extension is
// created in it on every node, and the coordinator is told its nodes. The
// same steps, by hand, are in docs/scaling.md.
import { Client } from 'pg';

export interface CitusNode {
  host: string;
  port: number;
}

export interface CitusNodes {
  coordinator: CitusNode;
  workers: CitusNode[];
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The URL of `database` on `node`, with the credentials of `url`. */
export function nodeUrl(url: string, node: CitusNode | null, database: string): string {
  const parsed = new URL(url);
  if (node) {
    parsed.hostname = node.host;
    parsed.port = String(node.port);
  }
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The cluster's nodes as the database of `url` knows them; null when that database has no Citus. */
export async function citusNodes(url: string): Promise<CitusNodes | null> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ citus: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus`);
    if (!rows[0].citus) return null;
    const nodes = await client.query<{ host: string; port: number; coordinator: boolean }>(
      `SELECT nodename AS host, nodeport AS port, groupid = 0 AS coordinator FROM pg_dist_node
       WHERE noderole = 'primary' AND isactive ORDER BY nodeid`,
    );
    const coordinator = nodes.rows.find((node) => node.coordinator);
    if (!coordinator) throw new Error('Citus: the coordinator is not in pg_dist_node; run citus_set_coordinator_host on it first');
    const strip = ({ host, port }: CitusNode) => ({ host, port });
    return { coordinator: strip(coordinator), workers: nodes.rows.filter((node) => !node.coordinator).map(strip) };
  });
}

/**
 * Creates `database` on the cluster whose coordinator `adminUrl` reaches
 * (its maintenance database, where the cluster's nodes are registered) and
 * makes it a Citus database with the same nodes. `shardCount` sets the
 * shards per distributed table (Citus's default is 32; tests use fewer, as
 * each shard of each table is a table on a worker).
 */
export async function createCitusDatabase(adminUrl: string, database: string, options: { shardCount?: number } = {}): Promise<string> {
  const nodes = await citusNodes(adminUrl);
  if (!nodes) throw new Error('Citus: the maintenance database has no citus extension');
  await withClient(adminUrl, async (admin) => {
    await admin.query('SET citus.enable_create_database_propagation = on');
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
    if (options.shardCount) await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(database)} SET citus.shard_count = ${Math.trunc(options.shardCount)}`);
  });
  for (const worker of nodes.workers) {
    await withClient(nodeUrl(adminUrl, worker, database), (client) => client.query('CREATE EXTENSION IF NOT EXISTS citus'));
  }
  const url = nodeUrl(adminUrl, null, database);
  await withClient(url, async (client) => {
    await client.query('CREATE EXTENSION IF NOT EXISTS citus');
    await client.query('SELECT citus_set_coordinator_host($1, $2)', [nodes.coordinator.host, nodes.coordinator.port]);
    for (const worker of nodes.workers) await client.query('SELECT citus_add_node($1, $2)', [worker.host, worker.port]);
  });
  return url;
}

/**
 * Adds a worker to the Citus database of `url`: the database and the
 * extension are created on the new node, then the coordinator adds it. It
 * holds no shards until a rebalance moves some there (citus_rebalance_start).
 */
export async function addCitusWorker(url: string, worker: CitusNode): Promise<void> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  await withClient(nodeUrl(url, worker, 'postgres'), async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  });
  await withClient(nodeUrl(url, worker, database), (client) => client.query('CREATE EXTENSION IF NOT EXISTS citus'));
  await withClient(url, (client) => client.query('SELECT citus_add_node($1, $2)', [worker.host, worker.port]));
}

/** A new, empty `database` where `adminUrl` points (a Citus one on a Citus coordinator); its URL. */
export async function createDatabase(adminUrl: string, database: string, options: { shardCount?: number } = {}): Promise<string> {
  if (await citusNodes(adminUrl)) return createCitusDatabase(adminUrl, database, options);
  await withClient(adminUrl, (admin) => admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`));
  return nodeUrl(adminUrl, null, database);
}

/** Drops `database` if it exists, on every node of a Citus cluster. */
export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const citus = (await citusNodes(adminUrl)) !== null;
  await withClient(adminUrl, async (admin) => {
    if (citus) await admin.query('SET citus.enable_create_database_propagation = on');
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(database)} WITH (FORCE)`);
  });
}

// A throwaway application for benchmarks: the embedded PostgreSQL (or
// BENCH_DATABASE_URL) with a fresh database, migrated, and the real server.
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import { createDataSource, migrate } from '../src/db/data-source';
import { createDatabase, dropDatabase } from '../src/db/database-admin';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded-postgres';
import { createLogger } from '../src/logger';
import { dataDir } from '../src/paths';
import { addLinkFigures, addSendFigures } from '../src/rollups/contributions';
import { startServer, type RunningServer } from '../src/server';

export const BENCH_SECRETS = {
  TRACKING_SIGNING_SECRET: 'bench-tracking-secret-0123456789abcdef',
  AUTH_JWT_SECRET: 'bench-jwt-secret-0123456789abcdef-01234',
  SECRETS_ENCRYPTION_KEY: 'ab'.repeat(32),
};

/**
 * The environment of the server under the tracking loads (tracking-bench.ts,
 * redirect-format-bench.ts): the bench's database and secrets, a client
 * address per request from X-Forwarded-For, tracking on, `nodeEnv` as the
 * run's settings say.
 */
export function trackingTargetEnv(env: BenchEnvironment, nodeEnv: string): Record<string, string> {
  return {
    ...BENCH_SECRETS,
    DATABASE_URL: env.app.config.databaseUrl as string,
    TRUST_PROXY: '1',
    EMAIL_TRACKING_ENABLED: 'true',
    LOG_LEVEL: 'warn',
    NODE_ENV: nodeEnv,
  };
}

export interface BenchEnvironment {
  db: DataSource;
  url: string;
  app: App;
  server: RunningServer;
  close(): Promise<void>;
}

export interface BenchEnvironmentOptions {
  /** a server's maintenance database to use instead of BENCH_DATABASE_URL or the embedded PostgreSQL (a Citus coordinator's, say) */
  adminUrl?: string;
}

export async function startBenchEnvironment(name: string, env: Record<string, string> = {}, options: BenchEnvironmentOptions = {}): Promise<BenchEnvironment> {
  let embedded: EmbeddedPostgres | null = null;
  let adminUrl = options.adminUrl ?? process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({ dir: path.join(dataDir, 'bench-pg'), port: Number(process.env.BENCH_PG_PORT ?? 54339), database: 'postgres', durable: false });
    adminUrl = embedded.adminUrl;
  }
  // A fresh database per section, on every node of a Citus cluster; the migrations distribute it there.
  await dropDatabase(adminUrl, `bench_${name}`);
  const url = await createDatabase(adminUrl, `bench_${name}`);
  const config = loadConfig({ ...BENCH_SECRETS, EMAIL_TRACKING_ENABLED: 'true', LOG_LEVEL: 'silent', DATABASE_URL: url, ...env });
  const db = createDataSource({ url, poolSize: 20 });
  await db.initialize();
  await migrate(db);
  const app = createApp(config, db, createLogger(config.logLevel));
  const server = await startServer(app, 0, '127.0.0.1');
  return {
    db,
    url: server.url,
    app,
    server,
    async close() {
      await server.close();
      await app.recorder.close();
      await db.destroy();
      await embedded?.stop();
    },
  };
}

/**
 * Lets PostgreSQL finish the work the previous step left it (autovacuum of
 * the rows just written, a checkpoint of the pages dirtied), so what is timed
 * next does not share the two cores with housekeeping that belongs to another
 * step. Old data in a live database is long vacuumed too.
 */
export async function settleDatabase(db: DataSource, tables: readonly string[]): Promise<void> {
  await db.query(`VACUUM (ANALYZE) ${tables.join(', ')}`);
  await db.query('CHECKPOINT');
}

/** Tracked sends of one organisation with one link each, as the tracking and writer benchmarks load them; their ids, in order. */
export async function insertBenchSends(db: DataSource, orgId: string, count: number, link: string): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `INSERT INTO sends (org_id, sent_at, sender_id, contact_id, recipient_email, tracked, tracked_links)
     SELECT $1, now(), 'sender', 'contact-' || g, 'c' || g || '@example.com', true, 1 FROM generate_series(1, $2) g
     RETURNING id`,
    [orgId, count],
  );
  await db.query(`INSERT INTO send_links (org_id, send_id, position, url) SELECT $1, id, 0, $2 FROM sends WHERE org_id = $1`, [orgId, link]);
  const ids = rows.map((row) => row.id);
  // What the instrumenter adds to the rollups with a send and its links.
  await addSendFigures(db.manager, orgId, ids, 1);
  await addLinkFigures(db.manager, orgId, ids, 1);
  return ids;
}

/** settleDatabase over the tables the event writer fills. */
export const settleWriterTables = (db: DataSource) => settleDatabase(db, ['sends', 'send_links', 'tracking_events', 'send_activity']);

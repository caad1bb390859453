// Resolves which PostgreSQL to use (DATABASE_URL, else the embedded one under
// .data/), connects with a bounded wait, and applies pending migrations.
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { dataDir } from '../paths';
import { createDataSource, migrate } from './data-source';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';

export interface Database {
  readonly db: DataSource;
  /** the read replica of DATABASE_READ_URL, or `db` */
  readonly readDb: DataSource;
  readonly embedded: EmbeddedPostgres | null;
  close(): Promise<void>;
}

const CONNECT_ATTEMPTS = 30;

export async function startEmbeddedForConfig(config: Config, log: Logger): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({
    dir: config.embeddedPgDataDir ? path.resolve(config.embeddedPgDataDir) : path.join(dataDir, 'pg'),
    port: config.embeddedPgPort,
    database: 'email_tracking',
    durable: true,
    log: (message) => log.info(message),
  });
}

async function initialiseWithRetry(db: DataSource, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.initialize();
      return;
    } catch (error) {
      if (attempt >= CONNECT_ATTEMPTS) throw error;
      if (attempt === 1) log.warn('database not reachable yet, retrying for up to 30s');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

export async function openDatabase(config: Config, log: Logger, options: { migrate: boolean; poolSize?: number }): Promise<Database> {
  const embedded = config.databaseUrl ? null : await startEmbeddedForConfig(config, log);
  const db = createDataSource({ url: config.databaseUrl ?? embedded!.url, poolSize: options.poolSize });
  const readDb = config.databaseReadUrl
    ? createDataSource({ url: config.databaseReadUrl, poolSize: options.poolSize, applicationName: 'email-tracking-stats' })
    : db;
  try {
    await initialiseWithRetry(db, log);
    if (options.migrate) {
      const applied = await migrate(db, (citus) => {
        if (citus.distributed.length + citus.reference.length > 0) log.info(citus, 'tables distributed on Citus');
      });
      if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
    }
    if (readDb !== db) await initialiseWithRetry(readDb, log);
  } catch (error) {
    if (db.isInitialized) await db.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    db,
    readDb,
    embedded,
    async close() {
      if (readDb !== db && readDb.isInitialized) await readDb.destroy();
      if (db.isInitialized) await db.destroy();
      await embedded?.stop();
    },
  };
}

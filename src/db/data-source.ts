// The TypeORM data source over node-postgres. Migrations are the schema's only
// source: synchronize stays off.
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { distributeTables, type CitusDistribution } from './citus';
import { entities } from './entities';

const MIGRATIONS_TABLE = 'schema_migrations';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
}

export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    entities,
    applicationName: options.applicationName ?? 'email-tracking',
    connectTimeoutMS: 3000,
    // A lost connection must not crash the process: the pool drops the client
    // and the next query reconnects. Callers see the query error.
    poolErrorHandler: () => undefined,
    extra: {
      max: options.poolSize ?? 20,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      // Bounds any single statement so a stuck query cannot hold a request forever.
      statement_timeout: 30_000,
    },
  });
}

/**
 * Applies pending migrations, then, on Citus, distributes the tables not
 * distributed yet (src/db/citus.ts). An advisory lock keeps concurrent
 * instances from racing: on Citus it is the coordinator's, where every
 * instance connects.
 */
export async function migrate(dataSource: DataSource, onDistributed?: (distribution: CitusDistribution) => void): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtext('email-tracking:migrations'))`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const distribution = await distributeTables(runner, [MIGRATIONS_TABLE]);
    if (distribution) onDistributed?.(distribution);
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query(`SELECT pg_advisory_unlock(hashtext('email-tracking:migrations'))`).catch(() => undefined);
    await runner.release();
  }
}

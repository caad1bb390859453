// Integration tier, once per run: a real PostgreSQL (embedded under
// .data/test-pg, or the server of TEST_DATABASE_URL), a fresh database, migrations.
import 'reflect-metadata';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource, migrate } from '../../src/db/data-source';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { removeStaleClusters, testClustersRoot } from './test-clusters';
import { setTestDatabase, type TestDatabaseState } from './test-database-state';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export default async function globalSetup(): Promise<void> {
  const database = `et_test_${Date.now().toString(36)}_${process.pid}`;
  let adminUrl: string;
  let embeddedPort: number | null = null;
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    removeStaleClusters();
    embeddedPort = await freePort();
    const embedded = await startEmbeddedPostgres({
      dir: path.join(testClustersRoot, String(process.pid), 'pg'),
      port: embeddedPort,
      database: 'postgres',
      durable: false,
    });
    adminUrl = embedded.adminUrl;
    (globalThis as { __embeddedTestPostgres?: typeof embedded }).__embeddedTestPostgres = embedded;
  }

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  await admin.end();

  const url = withDatabase(adminUrl, database);
  const db = createDataSource({ url, poolSize: 2 });
  await db.initialize();
  await migrate(db);
  await db.destroy();

  const state: TestDatabaseState = { url, adminUrl, database, embeddedPort };
  setTestDatabase(state);
}

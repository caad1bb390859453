// Integration tier, once per run: a real PostgreSQL (embedded under
// .data/test-pg, or the server of TEST_DATABASE_URL, which may be a Citus
// coordinator), a fresh database, migrations (and, on Citus, distribution).
import 'reflect-metadata';
import { createServer } from 'node:net';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { prepareTestDatabase } from './prepare-test-database';
import { removeStaleClusters, testClustersRoot } from './test-clusters';

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

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    await prepareTestDatabase(process.env.TEST_DATABASE_URL, 'postgres', null);
    return;
  }
  removeStaleClusters();
  const embeddedPort = await freePort();
  const embedded = await startEmbeddedPostgres({
    dir: path.join(testClustersRoot, String(process.pid), 'pg'),
    port: embeddedPort,
    database: 'postgres',
    durable: false,
  });
  (globalThis as { __embeddedTestPostgres?: typeof embedded }).__embeddedTestPostgres = embedded;
  await prepareTestDatabase(embedded.adminUrl, 'postgres', embeddedPort);
}

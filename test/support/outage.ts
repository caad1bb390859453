// A server on a PostgreSQL of its own, which a test can stop and start again
// for real (the run's shared test database must stay up for the other files).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createApp, type App } from '../../src/app';
import { createDataSource, migrate } from '../../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';
import type { RecorderOptions } from '../../src/events/recorder';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { testConfig } from './app';
import { freePort, projectRoot } from './processes';

export interface OutageEnvironment {
  app: App;
  server: RunningServer;
  stopDatabase(): Promise<void>;
  startDatabase(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutageEnvironment(
  name: string,
  env: Record<string, string> = {},
  recorder: Partial<RecorderOptions> = { retryDelayMs: 100, maxRetryDelayMs: 400 },
): Promise<OutageEnvironment> {
  const root = path.join(projectRoot, '.data', `test-${name}-${process.pid}`);
  const port = await freePort();
  const start = () => startEmbeddedPostgres({ dir: path.join(root, 'pg'), port, database: name.replace(/\W/g, '_'), durable: false });
  let embedded: EmbeddedPostgres = await start();
  const db = createDataSource({ url: embedded.url, poolSize: 4 });
  await db.initialize();
  await migrate(db);
  const app = createApp(testConfig({ DATABASE_URL: embedded.url, ...env }), db, createLogger('silent'), { recorder });
  const server = await startServer(app, 0, '127.0.0.1');
  return {
    app,
    server,
    stopDatabase: () => embedded.stop(),
    async startDatabase() {
      embedded = await start();
    },
    async close() {
      await server.close();
      await app.recorder.close(2_000);
      await app.compactor.stop();
      await db.destroy();
      await embedded.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Polls until the check holds (a throwing check counts as not yet). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// npm start: config -> database (embedded unless DATABASE_URL) -> migrations ->
// server.listen; SIGINT/SIGTERM stop it gracefully.
import 'reflect-metadata';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/connect';
import { devSecretsUnlessProduction } from './dev-secrets';
import { createLogger } from './logger';
import { ensureUpcomingPartitions } from './retention/prune';
import { scheduleRetention } from './retention/scheduler';
import { startServer } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, devSecretsUnlessProduction(process.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const database = await openDatabase(config, log, { migrate: true });
  const app = createApp(config, database.db, log, {}, database.readDb);
  await ensureUpcomingPartitions(database.db);
  const server = await startServer(app);
  const retention = scheduleRetention(database.db, log, config.retentionDays);
  log.info(
    { url: server.url, database: database.embedded ? 'embedded' : 'DATABASE_URL', tracking: config.trackingEnabled },
    `listening on ${server.url} (GraphQL at ${server.url}/graphql)`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await server.close();
      await retention.stop();
      await app.recorder.close();
      await app.compactor.stop();
      await database.close();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

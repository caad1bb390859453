// npm start: config -> database (embedded unless DATABASE_URL) -> migrations ->
// journal -> server.listen; SIGINT/SIGTERM stop it gracefully within 10 s.
import 'reflect-metadata';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/connect';
import { devSecretsUnlessProduction } from './dev-secrets';
import { createLogger } from './logger';
import { ensureUpcomingPartitions } from './retention/prune';
import { scheduleRepeating, scheduleRetention } from './retention/scheduler';
import { backfillClientsInBackground } from './events/client-backfill';
import { SpoolDirectoryError } from './events/journal/spool-directory';
import { startServer } from './server';

/** The contract: a SIGTERM ends the process within 10 s. */
const SHUTDOWN_MS = 10_000;
const IN_FLIGHT_GRACE_MS = 3_000;
/** kept for closing the pool and stopping the embedded PostgreSQL */
const DATABASE_CLOSE_MS = 2_500;
/** for outbound webhook attempts in flight */
const OUTBOUND_GRACE_MS = 1_000;

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
  let app;
  try {
    app = createApp(config, database.db, log, { readDb: database.readDb });
  } catch (error) {
    if (error instanceof SpoolDirectoryError) {
      process.stderr.write(`Configuration error: EMAIL_TRACKING_SPOOL_DIR: ${error.message}\n`);
      await database.close();
      process.exit(1);
    }
    throw error;
  }
  await ensureUpcomingPartitions(database.db);
  const server = await startServer(app);
  app.outbound.start();
  const retention = scheduleRetention(database.db, log, config.retentionDays);
  // Clients of events stored before the writer parsed them (docs/breakdowns.md): soon after start, then hourly.
  const backfill = scheduleRepeating((stopping) => backfillClientsInBackground(database.db, log, stopping), 60 * 60_000, 10_000);
  log.info(
    { url: server.url, database: database.embedded ? 'embedded' : 'DATABASE_URL', tracking: config.trackingEnabled },
    `listening on ${server.url} (GraphQL at ${server.url}/graphql)`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Within 10 s whatever happens; the journal keeps what was not written.
    const started = Date.now();
    setTimeout(() => {
      log.error('shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_MS - 200).unref();
    try {
      // No new connections; requests in flight get a few seconds to finish.
      await server.close(IN_FLIGHT_GRACE_MS);
      await retention.stop();
      await backfill.stop();
      // Attempts still running after a second are tried again once their lease runs out.
      await app.outbound.stop(OUTBOUND_GRACE_MS);
      // The journal is synced first, then the writer writes what fits.
      await app.recorder.close(Math.max(0, SHUTDOWN_MS - DATABASE_CLOSE_MS - (Date.now() - started)));
      await app.compactor.stop();
      // A statement still stuck in the database holds its connection, and
      // closing the pool waits for it: the journal has its events, so the
      // process goes at its deadline rather than waiting (PostgreSQL rolls
      // the transaction back when the connection drops).
      const closed = await Promise.race([
        database.close().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), Math.max(0, SHUTDOWN_MS - 300 - (Date.now() - started))).unref()),
      ]);
      log.info(closed ? 'stopped' : 'stopped, leaving a stuck database connection behind');
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

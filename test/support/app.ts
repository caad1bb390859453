// Builds the real application on the run's test database: config from a test
// environment, a data source, and (when asked) the HTTP server on a free port.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createApp, type App } from '../../src/app';
import type { RecorderOptions } from '../../src/events/recorder';
import { signToken } from '../../src/auth/jwt';
import type { Role } from '../../src/auth/viewer';
import { loadConfig, type Config } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { freshSpoolRoot } from './spool';
import { getTestDatabase } from './test-database-state';

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  TRACKING_SIGNING_SECRET: 'test-tracking-secret-0123456789abcdef',
  AUTH_JWT_SECRET: 'test-jwt-secret-0123456789abcdef-0123',
  SECRETS_ENCRYPTION_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
  EMAIL_TRACKING_ENABLED: 'true',
  LOG_LEVEL: 'silent',
};

/** Every configuration gets a journal root of its own unless a test shares one on purpose. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...TEST_ENV, DATABASE_URL: getTestDatabase().url, EMAIL_TRACKING_SPOOL_DIR: freshSpoolRoot(), ...overrides });
}

/** A fresh organisation id per test keeps parallel test files apart on one database. */
export function uniqueOrg(label = 'org'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export async function openTestDataSource(poolSize = 5): Promise<DataSource> {
  const db = createDataSource({ url: getTestDatabase().url, poolSize });
  await db.initialize();
  return db;
}

/** The application served on a data source the caller owns: close() leaves the data source open. */
export interface ServedApp {
  app: App;
  server: RunningServer;
  url: string;
  close(): Promise<void>;
}

export type TestApp = ServedApp;

export interface TestAppOptions {
  /** sees every SQL statement the app's data source sends (e.g. to count them) */
  onQuery?: (sql: string) => void;
  /** e.g. a long linger, to hold answered events in the buffer until the test flushes them */
  recorder?: Partial<RecorderOptions>;
}

/** Serves an application on `db` with the test configuration, `overrides` applied (DATABASE_URL among them for another database). */
export async function serveApp(db: DataSource, overrides: Record<string, string> = {}, recorder: Partial<RecorderOptions> = {}): Promise<ServedApp> {
  const config = testConfig({ PORT: '0', ...overrides });
  const app = createApp(config, db, createLogger(config.logLevel), { recorder });
  const server = await startServer(app, 0, '127.0.0.1');
  return {
    app,
    server,
    url: server.url,
    async close() {
      await server.close();
      await app.outbound.stop();
      await app.recorder.close();
      await app.compactor.stop();
    },
  };
}

export async function startTestApp(overrides: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const db = await openTestDataSource();
  const { onQuery } = options;
  if (onQuery) {
    // TypeORM hands every statement to its logger, whatever the logging level.
    const logQuery = db.logger.logQuery.bind(db.logger);
    db.logger.logQuery = (query, parameters, runner) => {
      onQuery(query);
      logQuery(query, parameters, runner);
    };
  }
  const served = await serveApp(db, overrides, options.recorder);
  return {
    ...served,
    async close() {
      await served.close();
      await db.destroy();
    },
  };
}

export function tokenFor(orgId: string, userId: string, role: Role, teamId?: string, expiresIn?: string): Promise<string> {
  return signToken({ orgId, userId, role, teamId: teamId ?? null, expiresIn }, TEST_ENV.AUTH_JWT_SECRET);
}

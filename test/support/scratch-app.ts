// The real application on a database of its own, for tests that prune raw
// events (a prune acts on the whole database), and the requests a mail client
// makes to the pixel and the redirect.
import type { DataSource } from 'typeorm';
import { createApp, type App } from '../../src/app';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { testConfig } from './app';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';

export const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
/** Apple Mail Privacy Protection's proxy: counted, and flagged MPP */
export const APPLE_PROXY = 'Mozilla/5.0';
/** a machine that names itself: recorded as a bot, never counted */
export const SLACKBOT = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

export interface ServedApp {
  app: App;
  server: RunningServer;
  url: string;
  close(): Promise<void>;
}

/** Serves another instance on `db` (its configuration overridden), which stays open when it closes. */
export async function serveOn(db: DataSource, url: string, overrides: Record<string, string> = {}): Promise<ServedApp> {
  const app = createApp(testConfig({ DATABASE_URL: url, TRUST_PROXY: '1', ...overrides }), db, createLogger('silent'));
  const server = await startServer(app, 0, '127.0.0.1');
  return {
    app,
    server,
    url: server.url,
    async close() {
      await server.close();
      await app.recorder.close();
      await app.compactor.stop();
    },
  };
}

export interface ScratchApp extends ServedApp {
  scratch: ScratchDatabase;
}

export async function startScratchApp(overrides: Record<string, string> = {}): Promise<ScratchApp> {
  const scratch = await createScratchDatabase();
  const served = await serveOn(scratch.db, scratch.url, overrides);
  return {
    ...served,
    scratch,
    async close() {
      await served.close();
      await scratch.drop();
    },
  };
}

let ipCounter = 0;
/** A fresh documentation-range client address per request unless one is given. */
const nextIp = () => `198.51.100.${(ipCounter++ % 250) + 1}`;

export interface Visit {
  userAgent?: string;
  ip?: string;
}

export function fetchPixel(baseUrl: string, openToken: string, visit: Visit = {}): Promise<Response> {
  return fetch(`${baseUrl}/track/open/${openToken}.gif`, {
    headers: { 'user-agent': visit.userAgent ?? BROWSER, 'x-forwarded-for': visit.ip ?? nextIp() },
  });
}

export function followLink(baseUrl: string, clickToken: string, visit: Visit = {}): Promise<Response> {
  return fetch(`${baseUrl}/track/click/${clickToken}`, {
    redirect: 'manual',
    headers: { 'user-agent': visit.userAgent ?? BROWSER, 'x-forwarded-for': visit.ip ?? nextIp() },
  });
}

// The webhook through a database outage: unlike the pixel it never
// acknowledges what it did not store, so Mailgun's retry lands exactly once.
import path from 'node:path';
import { rmSync } from 'node:fs';
import { createApp, type App } from '../../src/app';
import { createDataSource, migrate } from '../../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { testConfig, uniqueOrg } from '../support/app';
import { PLATFORM_KEY, eventData, jsonBody, postJson, sendStatus } from '../support/mailgun';
import { freePort, projectRoot } from '../support/processes';
import { insertSend, sendCounters, storedEvents } from '../support/sends';

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a database outage', () => {
  const root = path.join(projectRoot, '.data', `test-webhook-outage-${process.pid}`);
  let embedded: EmbeddedPostgres;
  let port: number;
  let app: App;
  let server: RunningServer;

  const startDatabase = async () => startEmbeddedPostgres({ dir: path.join(root, 'pg'), port, database: 'outage', durable: false });

  beforeAll(async () => {
    port = await freePort();
    embedded = await startDatabase();
    const db = createDataSource({ url: embedded.url, poolSize: 4 });
    await db.initialize();
    await migrate(db);
    app = createApp(testConfig({ DATABASE_URL: embedded.url, MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY }), db, createLogger('silent'));
    server = await startServer(app, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    await app.recorder.close(2_000);
    await app.db.destroy();
    await embedded.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers 503 while PostgreSQL is down, and a retry once it is back records the event once', async () => {
    const send = await insertSend(app.db, { orgId: uniqueOrg('outage'), links: ['https://example.com/x'] });
    const opened = eventData('opened', { sendId: send.sendId, orgId: send.orgId });
    const failed = eventData('failed', { sendId: send.sendId, orgId: send.orgId, severity: 'temporary' });
    await embedded.stop();

    const during = await Promise.all([opened, failed].map((data) => postJson(server.url, jsonBody(PLATFORM_KEY, data))));
    expect(during.map((response) => response.status)).toEqual([503, 503]);
    expect(during[0].headers.get('retry-after')).toBe('60');

    embedded = await startDatabase();
    // Mailgun retries with a fresh signature; the first retry may still meet a reconnecting pool.
    await eventually(async () => (await postJson(server.url, jsonBody(PLATFORM_KEY, opened))).status === 200);
    expect((await postJson(server.url, jsonBody(PLATFORM_KEY, failed))).status).toBe(200);
    const again = await postJson(server.url, jsonBody(PLATFORM_KEY, opened));
    expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);

    expect((await sendCounters(app.db, send)).opens).toBe(1);
    expect(await storedEvents(app.db, send)).toHaveLength(1);
    expect(await sendStatus(app.db, send.orgId, send.sendId)).toBe('DEFERRED');
  });
});

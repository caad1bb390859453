// What a process finds in a journal it adopts: events committed but never
// acknowledged (a crash between the two), torn and damaged records; and what
// it does when its own directory stops taking writes.
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createApp, type App } from '../../src/app';
import type { JournalOptions } from '../../src/events/journal/journal';
import { HEADER_BYTES } from '../../src/events/journal/record-framing';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { openTestDataSource, TEST_ENV, testConfig, uniqueOrg } from '../support/app';
import { orphanDirectory, segmentFiles, storedTotals, trafficTo } from '../support/journal';
import { eventually } from '../support/outage';
import { projectRoot, spawnServer } from '../support/processes';
import { insertSend } from '../support/sends';
import { freshSpoolRoot } from '../support/spool';
import { getTestDatabase } from '../support/test-database-state';

let db: DataSource;
beforeAll(async () => {
  db = await openTestDataSource();
});
afterAll(async () => {
  await db.destroy();
});

interface Instance {
  app: App;
  server: RunningServer;
  close(): Promise<void>;
}

async function instanceOn(root: string, journal: Partial<JournalOptions> = {}, lingerMs = 10): Promise<Instance> {
  const app = createApp(testConfig({ TRUST_PROXY: '1', EMAIL_TRACKING_SPOOL_DIR: root }), db, createLogger('silent'), { journal, recorder: { lingerMs } });
  const server = await startServer(app, 0, '127.0.0.1');
  return {
    app,
    server,
    close: async () => {
      await server.close();
      await app.recorder.close(5_000);
    },
  };
}

/** The size of each record of a segment file, header included. */
function recordSizes(bytes: Buffer): number[] {
  const sizes: number[] = [];
  for (let at = 0; at < bytes.length; at += sizes[sizes.length - 1]) sizes.push(HEADER_BYTES + bytes.readUInt32LE(at + 4));
  return sizes;
}

const metric = async (instance: Instance, name: string) =>
  Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${instance.server.url}/metrics`)).text())?.[1] ?? NaN);

describe('a journal adopted after a crash', () => {
  it('stores and counts once the events that were committed but never acknowledged', async () => {
    const orgId = uniqueOrg('replay');
    const sends = [await insertSend(db, { orgId, links: ['https://example.com/r'] })];
    const root = freshSpoolRoot();
    // This process journals without writing (a long linger), as a crashed one would have.
    const first = await instanceOn(root, {}, 600_000);
    const answered = await trafficTo(first.server.url, sends, 300);
    first.app.recorder.journal.flush();
    const journaled = segmentFiles(first.app.recorder.journal.directory);
    expect(journaled.length).toBeGreaterThan(0);
    // The copy is the journal a crash would leave between commit and acknowledgement.
    orphanDirectory(root, journaled);
    await first.app.recorder.flush();
    expect(await storedTotals(db, orgId)).toEqual({ events: 300, ids: 300, ...answered });
    await first.close();

    const second = await instanceOn(root);
    try {
      await eventually(async () => second.app.recorder.journal.counters.adopted === 300 && second.app.recorder.buffered === 0);
      expect(await storedTotals(db, orgId)).toEqual({ events: 300, ids: 300, ...answered });
    } finally {
      await second.close();
    }
  });

  it('skips a torn last record and a damaged one, logs them, and writes the rest', async () => {
    const orgId = uniqueOrg('torn');
    const sends = [await insertSend(db, { orgId, links: ['https://example.com/t'] })];
    const root = freshSpoolRoot();
    const first = await instanceOn(root, {}, 600_000);
    await trafficTo(first.server.url, sends, 10, 1);
    first.app.recorder.journal.flush();
    const [segment] = segmentFiles(first.app.recorder.journal.directory);
    const orphan = orphanDirectory(root, [segment]);
    await first.close(); // writes its own copy too: the orphan's events are then all repeats
    await db.query(`DELETE FROM tracking_events WHERE org_id = $1`, [orgId]);

    const copy = path.join(orphan, path.basename(segment));
    const bytes = readFileSync(copy);
    const sizes = recordSizes(bytes);
    expect(sizes).toHaveLength(10);
    bytes[sizes.slice(0, 3).reduce((a, b) => a + b, 0) + 20] ^= 0xff; // damage the fourth record
    writeFileSync(copy, bytes);
    truncateSync(copy, bytes.length - 9); // and tear the last one
    const second = await instanceOn(root);
    try {
      await eventually(async () => second.app.recorder.buffered === 0 && second.app.recorder.journal.counters.adopted > 0);
      expect((await storedTotals(db, orgId)).events).toBe(8);
      expect(await metric(second, 'tracking_journal_skipped_bytes_total')).toBe(sizes[3] + sizes[9] - 9);
    } finally {
      await second.close();
    }
  });
});

describe('a spool directory that stops taking writes', () => {
  it('keeps answering and recording from memory, then journals again once it is back', async () => {
    const orgId = uniqueOrg('disk');
    const sends = [await insertSend(db, { orgId, links: ['https://example.com/d'] })];
    const root = freshSpoolRoot();
    // Small segments: the next one must be created soon, in a directory that is gone.
    const instance = await instanceOn(root, { segmentBytes: 1_000, diskRetryMs: 300 });
    try {
      const dir = instance.app.recorder.journal.directory;
      rmSync(dir, { recursive: true, force: true });
      const answered = await trafficTo(instance.server.url, sends, 60, 4);
      expect(answered).toEqual({ opens: 30, clicks: 30 });
      await eventually(async () => (await storedTotals(db, orgId)).events === 60);
      expect(instance.app.recorder.journal.counters.unjournaled).toBeGreaterThan(0);
      expect(await metric(instance, 'tracking_journal_events_total\\{outcome="unjournaled"\\}')).toBeGreaterThan(0);

      mkdirSync(dir, { recursive: true });
      await new Promise((resolve) => setTimeout(resolve, 400));
      const before = instance.app.recorder.journal.counters.unjournaled;
      await trafficTo(instance.server.url, sends, 20, 1);
      await eventually(async () => (await storedTotals(db, orgId)).events === 80);
      expect(instance.app.recorder.journal.counters.unjournaled).toBeLessThan(before + 20);
    } finally {
      await instance.close();
    }
  });

  it('counts what the full memory fallback drops as dropped events, and stores the rest', async () => {
    const orgId = uniqueOrg('fallback');
    const sends = [await insertSend(db, { orgId, links: ['https://example.com/f'] })];
    // Nothing is written until flush(): the fallback fills, then drops. The
    // disk is tried again every 20 ms and fails again each time, so events
    // are dropped both as they arrive and when a write to the disk fails.
    const instance = await instanceOn(freshSpoolRoot(), { segmentBytes: 1_000, diskRetryMs: 20, maxFallbackEvents: 5 }, 60_000);
    try {
      rmSync(instance.app.recorder.journal.directory, { recursive: true, force: true });
      const answered = { opens: 0, clicks: 0 };
      for (let round = 0; round < 4; round++) {
        const some = await trafficTo(instance.server.url, sends, 10, 2);
        answered.opens += some.opens;
        answered.clicks += some.clicks;
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      expect(answered).toEqual({ opens: 20, clicks: 20 });
      // One bound over every fallback segment, however often the disk was retried.
      expect(instance.app.recorder.journal.counters.unjournaled).toBeLessThanOrEqual(5);
      const dropped = instance.app.recorder.counters.dropped;
      expect(dropped).toBeGreaterThan(0);
      expect(dropped).toBe(instance.app.recorder.journal.counters.dropped);
      expect(await metric(instance, 'tracking_events_total\\{outcome="dropped"\\}')).toBe(dropped);
      await instance.app.recorder.flush();
      expect((await storedTotals(db, orgId)).events).toBe(40 - dropped);
    } finally {
      await instance.close();
    }
  });

  it('stops the process at start, naming the variable, when the root cannot be used', async () => {
    // A directory cannot be made under a regular file.
    const unusable = path.join(projectRoot, 'package.json', 'spool');
    const server = spawnServer({ ...TEST_ENV, DATABASE_URL: getTestDatabase().url, EMAIL_TRACKING_SPOOL_DIR: unusable });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(`Configuration error: EMAIL_TRACKING_SPOOL_DIR: cannot create a journal directory under ${unusable}`);
  });
});

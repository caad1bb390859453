// Retention drops what is older than the window and nothing else: counters,
// and so the stats, are the same before and after.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/logger';
import { pruneRawEvents } from '../../src/retention/prune';
import { startServer } from '../../src/server';
import { CampaignsFullDocument, OverviewDocument, TemplatesFullDocument } from '../generated/graphql';
import { TEST_ENV, testConfig, tokenFor } from '../support/app';
import { gql } from '../support/graphql-client';
import { spawnServer } from '../support/processes';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { insertSend, linkCounters, sendCounters } from '../support/sends';

const DAY = 86_400_000;
const monthName = (date: Date) => `tracking_events_${date.getUTCFullYear()}_${String(date.getUTCMonth() + 1).padStart(2, '0')}`;

async function insertEvents(db: DataSource, orgId: string, sendId: string, ages: number[], now: number): Promise<void> {
  const months = ages.map((age) => new Date(now - age * DAY));
  const oldest = new Date(Math.min(...months.map((month) => month.getTime())));
  await db.query(`SELECT ensure_tracking_event_partitions($1::date, $2::date)`, [oldest.toISOString().slice(0, 10), new Date(now).toISOString().slice(0, 10)]);
  await db.query(
    `INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp)
     SELECT $1, $2, t, gen_random_uuid(), 'OPEN', 'PIXEL', true, false, false FROM unnest($3::timestamptz[]) t`,
    [orgId, sendId, months.map((month) => month.toISOString())],
  );
}

async function partitionNames(db: DataSource): Promise<string[]> {
  const rows: { relname: string }[] = await db.query(
    `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'tracking_events'::regclass`,
  );
  return rows.map((row) => row.relname);
}

let scratch: ScratchDatabase;
beforeEach(async () => {
  scratch = await createScratchDatabase();
});
afterEach(async () => {
  await scratch.drop();
});

describe('pruneRawEvents', () => {
  it('drops whole months older than the window, deletes the rest by range, keeps counters', async () => {
    const now = Date.now();
    const send = await insertSend(scratch.db, { orgId: 'org-retention', links: ['https://example.com/'] });
    await scratch.db.query(`UPDATE sends SET opens = 7, clicks = 2, mpp_opens = 1 WHERE id = $1`, [send.sendId]);
    await scratch.db.query(`UPDATE send_links SET clicks = 2, unique_clickers = 1 WHERE send_id = $1`, [send.sendId]);
    // 3 events far outside the window, 2 just outside it, 3 inside it
    await insertEvents(scratch.db, send.orgId, send.sendId, [500, 420, 400, 201, 200.5, 199, 30, 0], now);
    const before = { send: await sendCounters(scratch.db, send), links: await linkCounters(scratch.db, send) };
    const oldMonth = monthName(new Date(now - 500 * DAY));
    expect(await partitionNames(scratch.db)).toContain(oldMonth);

    const result = await pruneRawEvents(scratch.db, 200, new Date(now));
    expect(result).toMatchObject({ ran: true, deleted: 5 });
    expect(result.droppedPartitions).toContain(oldMonth);
    expect(await partitionNames(scratch.db)).not.toContain(oldMonth);
    const [{ left }] = await scratch.db.query(`SELECT count(*)::int AS left FROM tracking_events WHERE send_id = $1`, [send.sendId]);
    expect(left).toBe(3);
    expect({ send: await sendCounters(scratch.db, send), links: await linkCounters(scratch.db, send) }).toEqual(before);

    // a second run finds nothing more
    expect((await pruneRawEvents(scratch.db, 200, new Date(now))).deleted).toBe(0);
  });

  it('deletes old rows caught by the default partition', async () => {
    const now = Date.now();
    const sendId = randomUUID();
    await scratch.db.query(
      `INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp)
       VALUES ('org-default', $1, '1990-01-01T00:00:00Z', gen_random_uuid(), 'CLICK', 'REDIRECT', false, true, false)`,
      [sendId],
    );
    expect((await pruneRawEvents(scratch.db, 365, new Date(now))).deleted).toBe(1);
  });

  it('lets one instance prune while another skips instead of waiting', async () => {
    const runner = scratch.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT pg_advisory_xact_lock(hashtext('email-tracking:retention'))`);
      expect(await pruneRawEvents(scratch.db, 30)).toMatchObject({ ran: false, deleted: 0 });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect((await pruneRawEvents(scratch.db, 30)).ran).toBe(true);
  });

  it('forgets Mailgun event ids after a week, when no retry can bring them back', async () => {
    await scratch.db.query(
      `INSERT INTO processed_webhook_events (org_id, provider, event_id, received_at)
       VALUES ('o', 'mailgun', 'old', now() - interval '8 days'), ('o', 'mailgun', 'recent', now() - interval '1 day')`,
    );
    await pruneRawEvents(scratch.db, 365);
    const rows: { event_id: string }[] = await scratch.db.query(`SELECT event_id FROM processed_webhook_events`);
    expect(rows).toEqual([{ event_id: 'recent' }]);
  });

  it('keeps partitions for the months ahead', async () => {
    await pruneRawEvents(scratch.db, 30);
    const now = new Date();
    const inThreeMonths = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 3, 1));
    expect(await partitionNames(scratch.db)).toContain(monthName(inThreeMonths));
  });
});

describe('npm run prune', () => {
  it('prints how many events it deleted', async () => {
    const send = await insertSend(scratch.db, { orgId: 'org-cli' });
    await insertEvents(scratch.db, send.orgId, send.sendId, [100, 95, 1], Date.now());
    const cli = spawnServer({ ...TEST_ENV, DATABASE_URL: scratch.url, EMAIL_TRACKING_RETENTION_DAYS: '90' }, 'dist/src/cli/prune.js');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/^Deleted 2 raw events older than 90 days \(before \d{4}-\d\d-\d\dT[\d:.]+Z\)/);
  });
});

describe('stats across a prune', () => {
  it('every figure, link breakdown and recipient row is the same before and after the raw events go', async () => {
    const db = scratch.db;
    const app = createApp(testConfig({ DATABASE_URL: scratch.url, TRUST_PROXY: '1' }), db, createLogger('silent'));
    const server = await startServer(app, 0, '127.0.0.1');
    try {
      const orgId = 'org-prune-stats';
      const sends = await Promise.all(
        [
          { campaignId: 'welcome', templateId: 'day-1', senderId: 'rep-1' },
          { campaignId: 'welcome', templateId: 'day-2', senderId: 'rep-2' },
          { campaignId: null, templateId: null, senderId: 'rep-1' },
        ].map((attribution) => insertSend(db, { orgId, ...attribution, links: ['https://example.com/a', 'https://example.com/b'] })),
      );
      let ip = 1;
      for (const [index, send] of sends.entries()) {
        for (let n = 0; n <= index; n++) {
          const headers = { 'user-agent': n === 0 ? 'Mozilla/5.0' : 'Mozilla/5.0 (Windows NT 10.0)', 'x-forwarded-for': `192.0.2.${ip++}` };
          await fetch(`${server.url}/track/open/${send.openToken}.gif`, { headers });
          await fetch(`${server.url}/track/click/${send.clickTokens[n % 2]}`, { headers, redirect: 'manual' });
        }
      }
      await app.recorder.flush();
      const token = await tokenFor(orgId, 'admin-1', 'admin');
      const partner = await tokenFor(orgId, 'rep-1', 'partner');
      const range = { preset: 'ALL_TIME' as const };
      const snapshot = async () => ({
        overview: await gql(server.url, OverviewDocument, { range }, token),
        campaigns: await gql(server.url, CampaignsFullDocument, { range }, token),
        templates: await gql(server.url, TemplatesFullDocument, { range }, token),
        partner: await gql(server.url, CampaignsFullDocument, { range }, partner),
        sends: await Promise.all(sends.map(async (send) => ({ ...(await sendCounters(db, send)), links: await linkCounters(db, send) }))),
      });
      const before = await snapshot();
      expect(before.overview.data?.overview).toMatchObject({ sends: 3, opens: 6, clicks: 6, mppOpens: 3 });

      // a cutoff a day ahead: every raw event is older than the window
      const result = await pruneRawEvents(db, 1, new Date(Date.now() + 2 * DAY));
      expect(result.deleted).toBe(12);
      const [{ left }] = await db.query(`SELECT count(*)::int AS left FROM tracking_events`);
      expect(left).toBe(0);
      expect(await snapshot()).toEqual(before);
    } finally {
      await server.close();
      await app.recorder.close();
      await app.compactor.stop();
    }
  });
});

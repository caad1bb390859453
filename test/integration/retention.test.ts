// Retention drops what is older than the window and nothing else: counters,
// and so the stats, are the same before and after.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { pruneRawEvents } from '../../src/retention/prune';
import { TEST_ENV } from '../support/app';
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

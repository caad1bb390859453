// The migration's backfill (1765050000000): sends recorded before providers
// existed get their domain and provider from the address they still hold;
// erased ones keep no domain and stay OTHER. Run on a scratch database, since
// it updates every send.
import { fillSendProviders } from '../../migrations/1765050000000-breakdowns';
import { compactSendStats } from '../../src/stats/compaction';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { insertSends } from './stats-fixtures';

let scratch: ScratchDatabase;

beforeAll(async () => {
  scratch = await createScratchDatabase();
});
afterAll(async () => {
  await scratch.drop();
});

it('fills every send from its address, erased ones OTHER, without moving a figure', async () => {
  const emails = ['Ada@GMail.com', 'bob@hotmail.co.uk', 'cy@yahoo.example', 'di@notgmail.com', '', 'odd@@web.de', 'no-at-sign'];
  const ids = await insertSends(
    scratch.db,
    'org-m',
    emails.map((email, index) => ({ sentAt: new Date(Date.UTC(2025, 0, 1 + index)), email, opens: index, clicks: 1 })),
  );
  // As the migration finds them: the columns at their defaults.
  await scratch.db.query(`UPDATE sends SET recipient_domain = NULL, mailbox_provider = 'OTHER'`);
  const figures = `SELECT sum(sends) AS sends, sum(opens) AS opens, sum(clicks) AS clicks FROM send_stats_rollups WHERE org_id = 'org-m' AND scope = 'org' AND grain = 'month'`;
  await compactSendStats(scratch.db);
  const before = await scratch.db.query(figures);

  await fillSendProviders(scratch.db);

  const rows: { id: string; recipient_domain: string | null; mailbox_provider: string }[] = await scratch.db.query(
    `SELECT id, recipient_domain, mailbox_provider FROM sends WHERE org_id = 'org-m'`,
  );
  const byId = new Map(rows.map((row) => [row.id, [row.recipient_domain, row.mailbox_provider]]));
  expect(ids.map((id) => byId.get(id))).toEqual([
    ['gmail.com', 'GMAIL'],
    ['hotmail.co.uk', 'OUTLOOK'],
    ['yahoo.example', 'OTHER'],
    ['notgmail.com', 'OTHER'],
    [null, 'OTHER'],
    ['web.de', 'GMX'],
    [null, 'OTHER'],
  ]);
  await compactSendStats(scratch.db);
  expect(await scratch.db.query(figures)).toEqual(before);
});

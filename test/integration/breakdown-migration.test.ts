// The migration's backfill (1765050000000): sends recorded before providers
// existed get their domain and provider from the address they still hold;
// erased ones keep no domain and stay OTHER. And 1765110000000's: the
// breakdown rollups of sends and client counters recorded before them. Run
// on a scratch database, since they read and update every send.
import { fillSendProviders } from '../../migrations/1765050000000-breakdowns';
import { backfillBreakdownDeltas } from '../../migrations/1765110000000-breakdown-rollups';
import { breakdownSums } from '../../src/stats/breakdown.repository';
import { rolledUpBreakdownSums } from '../../src/stats/breakdown-rollups.repository';
import { BREAKDOWN_DIMENSIONS } from '../../src/stats/breakdowns';
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

it('rolls up the breakdowns of every send and client counter recorded before, as the raw aggregate counts them', async () => {
  const now = Date.now();
  const ids = await insertSends(
    scratch.db,
    'org-r',
    [45, 44.5, 20, 3, 0.1].map((days, index) => ({
      sentAt: new Date(now - days * 86_400_000), sender: index % 2 === 0 ? 'rep-1' : 'rep-2',
      email: ['ada@gmail.com', 'bob@gmail.com', 'cy@acme.example', 'di@outlook.com', 'ed@acme.example'][index], opens: index, clicks: index % 2,
    })),
  );
  await scratch.db.query(
    `INSERT INTO send_clients (org_id, send_id, client, device, opens, clicks, mpp_opens)
     SELECT 'org-r', id, c.client, c.device, c.opens, c.clicks, 0
     FROM unnest($1::uuid[]) WITH ORDINALITY AS s(id, n)
     CROSS JOIN LATERAL (VALUES ('APPLE_MAIL', 'MOBILE', (s.n - 1)::int, 0), ('WEBMAIL_BROWSER', 'DESKTOP', 0, ((s.n - 1) % 2)::int)) AS c(client, device, opens, clicks)`,
    [ids],
  );
  // As the migration finds them: no breakdown rollups at all.
  await scratch.db.query(`DELETE FROM breakdown_deltas`);
  await scratch.db.query(`DELETE FROM breakdown_rollups`);
  await backfillBreakdownDeltas(scratch.db);
  await compactSendStats(scratch.db);
  const range = { from: new Date(now - 90 * 86_400_000), to: new Date(now + 1) };
  for (const by of BREAKDOWN_DIMENSIONS) {
    for (const scope of [{ orgId: 'org-r', senderId: null }, { orgId: 'org-r', senderId: 'rep-1' }]) {
      const raw = await breakdownSums(scratch.db, scope, 'all', range, by, [''], 100);
      expect(raw.length).toBeGreaterThan(0);
      expect(await rolledUpBreakdownSums(scratch.db, scope, range, by, 100)).toEqual(raw);
    }
  }
});

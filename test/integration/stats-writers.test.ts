// Writers and the stats: writers of sends in one rollup bucket never wait on
// each other, the real recorder's counting shows in the figures, and deleting
// a whole organisation is quick.
import { CampaignsDocument, OverviewDocument } from '../generated/graphql';
import { compactSendStats } from '../../src/stats/compaction';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { writeAlongside } from '../support/concurrent-writers';
import { insertSend } from '../support/sends';
import { directFigures, insertSends } from './stats-fixtures';

let t: TestApp;
const org = uniqueOrg('writers');
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00Z');
let admin: string;

beforeAll(async () => {
  t = await startTestApp();
  admin = await tokenFor(org, 'boss', 'admin');
});
afterAll(async () => {
  await t.close();
});

describe('writers', () => {
  it('never wait on each other for sends in the same rollup bucket, nor on compaction', async () => {
    const [first, second] = await insertSends(t.app.db, org, [
      { sentAt: '2025-05-30T10:00:00Z', sender: 'u2', campaign: 'hot', template: 't1' },
      { sentAt: '2025-05-30T11:00:00Z', sender: 'u2', campaign: 'hot', template: 't1' },
    ]);
    // Were the trigger to update a shared rollup row, the second would wait for the first and time out.
    const folded = await writeAlongside(
      t.app.db,
      (manager) => manager.query(`UPDATE sends SET opens = opens + 1 WHERE org_id = $1 AND id = $2`, [org, first]),
      (manager) => manager.query(`UPDATE sends SET opens = opens + 1, status = 'FAILED' WHERE org_id = $1 AND id = $2`, [org, second]),
    );
    expect(folded).toBeGreaterThanOrEqual(0);
    const hot = await directFigures(t.app.db, org, { to: new Date(), campaign: 'hot' });
    expect(hot).toEqual(expect.objectContaining({ sends: 2, opened: 2, failed: 1, opens: 2 }));
    const result = await gql(t.url, CampaignsDocument, { range: { from: '2025-05-30T00:00:00Z', to: '2025-05-31T00:00:00Z' } }, admin);
    expect(result.data?.campaigns.find((row) => row.id === 'hot')?.stats).toEqual(hot);
  });

  it('count what the real recorder counts from concurrent pixel hits', async () => {
    const liveOrg = uniqueOrg('live');
    const sends = await Promise.all(Array.from({ length: 10 }, () => insertSend(t.app.db, { orgId: liveOrg, campaignId: 'live', templateId: 't-live' })));
    const hits = sends.flatMap((send, index) =>
      Array.from({ length: 1 + (index % 4) }, (_, hit) =>
        fetch(`${t.url}/track/open/${send.openToken}.gif`, {
          headers: { 'user-agent': index % 3 === 0 ? 'Mozilla/5.0' : 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15', 'x-forwarded-for': `203.0.113.${index * 10 + hit}` },
        }),
      ),
    );
    await Promise.all(hits);
    await t.app.recorder.flush();
    const token = await tokenFor(liveOrg, 'boss', 'admin');
    const overview = await gql(t.url, OverviewDocument, {}, token);
    const direct = await directFigures(t.app.db, liveOrg, { to: new Date(Date.now() + 1000), from: new Date(Date.now() - 30 * DAY) });
    expect(direct.opens).toBeGreaterThan(0);
    expect(overview.data?.overview).toEqual(direct);
  });

  it('let a whole organisation be deleted quickly: emptied rows need no look-up', async () => {
    const leaving = uniqueOrg('leaving');
    const specs = Array.from({ length: 20_000 }, (_, index) => ({
      sentAt: new Date(START + (index % 150) * DAY + index * 1000),
      sender: `u${index % 7}`,
      campaign: `c${index % 40}`,
      template: `t${index % 9}`,
    }));
    await insertSends(t.app.db, leaving, specs);
    await compactSendStats(t.app.db);
    const runner = t.app.db.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query(`SET LOCAL statement_timeout = '10s'`);
      await runner.query(`DELETE FROM sends WHERE org_id = $1`, [leaving]);
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    const token = await tokenFor(leaving, 'boss', 'admin');
    const overview = await gql(t.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, token);
    expect(overview.data?.overview).toEqual(expect.objectContaining({ sends: 0, lastSentAt: null }));
    expect((await gql(t.url, CampaignsDocument, { range: { preset: 'ALL_TIME' } }, token)).data?.campaigns).toEqual([]);
  });
});

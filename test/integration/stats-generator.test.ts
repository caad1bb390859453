// The benchmark's data generator: counters on sends and links agree with the
// raw events it writes, and the stats over its data equal a direct count.
import { OverviewDocument } from '../generated/graphql';
import { generateStatsData } from '../../src/stats/generate-data';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { directFigures } from './stats-fixtures';

let t: TestApp;
const org = uniqueOrg('generated');
const now = new Date();

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('generateStatsData', () => {
  it('fills an organisation whose counters agree with its raw events', async () => {
    const data = await generateStatsData(t.app.db, { orgId: org, sends: 3000, events: 15_000, days: 60, campaigns: 12, templates: 6, senders: 4, now, chunkSize: 1000 });
    expect(data.sends).toBe(3000);
    expect(data.events).toBeGreaterThan(12_000);
    expect(data.events).toBeLessThan(18_000);
    expect(data.senderIds).toEqual(['sender-01', 'sender-02', 'sender-03', 'sender-04']);

    const sendMismatches = await t.app.db.query(
      `SELECT s.id FROM sends s
       LEFT JOIN (SELECT send_id, count(*) FILTER (WHERE kind = 'OPEN') AS opens, count(*) FILTER (WHERE kind = 'CLICK') AS clicks,
                         count(*) FILTER (WHERE mpp) AS mpp, min(occurred_at) FILTER (WHERE kind = 'OPEN') AS first_open
                  FROM tracking_events WHERE org_id = $1 AND counted GROUP BY send_id) e ON e.send_id = s.id
       WHERE s.org_id = $1 AND (s.opens, s.clicks, s.mpp_opens) IS DISTINCT FROM (coalesce(e.opens, 0), coalesce(e.clicks, 0), coalesce(e.mpp, 0))
          OR (s.org_id = $1 AND s.first_opened_at IS DISTINCT FROM e.first_open)`,
      [org],
    );
    expect(sendMismatches).toEqual([]);
    const linkMismatches = await t.app.db.query(
      `SELECT l.send_id, l.position FROM send_links l
       LEFT JOIN (SELECT send_id, link_position, count(*) AS clicks, count(DISTINCT ip_hash) AS clickers, min(url) AS url
                  FROM tracking_events WHERE org_id = $1 AND counted AND kind = 'CLICK' GROUP BY 1, 2) e
         ON e.send_id = l.send_id AND e.link_position = l.position
       WHERE l.org_id = $1 AND ((l.clicks, l.unique_clickers) IS DISTINCT FROM (coalesce(e.clicks, 0), coalesce(e.clickers, 0)) OR e.url <> l.url)`,
      [org],
    );
    expect(linkMismatches).toEqual([]);
    const [failedWithEvents] = await t.app.db.query(
      `SELECT count(*)::int AS n FROM sends s WHERE s.org_id = $1 AND s.status = 'FAILED' AND (s.opens > 0 OR s.clicks > 0)`,
      [org],
    );
    expect(failedWithEvents.n).toBe(0);
  });

  it('leaves stats equal to a direct count over its sends', async () => {
    for (const [userId, role, sender] of [['boss', 'admin', undefined], ['sender-02', 'partner', 'sender-02']] as const) {
      const result = await gql(t.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, await tokenFor(org, userId, role));
      expect(result.data?.overview.sends).toBeGreaterThan(0);
      expect(result.data?.overview).toEqual(await directFigures(t.app.db, org, { to: new Date(), sender }));
    }
  });
});

// The benchmark's data generator: counters on sends and links agree with the
// raw events it writes, and the stats over its data equal a direct count.
import { CampaignTimelineDocument, OverviewBreakdownDocument, OverviewDocument, TimelineDocument } from '../generated/graphql';
import { MailClientParser } from '../../src/breakdowns/mail-clients';
import { providerOfDomain } from '../../src/breakdowns/mailbox-providers';
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
    const [untracked] = await t.app.db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE opens + clicks + bot_opens + bot_clicks + tracked_links > 0)::int AS engaged
       FROM sends WHERE org_id = $1 AND NOT tracked`,
      [org],
    );
    expect(untracked.n).toBeGreaterThan(0);
    expect(untracked.engaged).toBe(0);
  });

  it('keeps bot counters and activity by event time that agree with its raw events', async () => {
    const botMismatches = await t.app.db.query(
      `SELECT s.id FROM sends s
       LEFT JOIN (SELECT send_id, count(*) FILTER (WHERE kind = 'OPEN') AS opens, count(*) FILTER (WHERE kind = 'CLICK') AS clicks
                  FROM tracking_events WHERE org_id = $1 AND bot GROUP BY send_id) e ON e.send_id = s.id
       WHERE s.org_id = $1 AND (s.bot_opens, s.bot_clicks) IS DISTINCT FROM (coalesce(e.opens, 0), coalesce(e.clicks, 0))`,
      [org],
    );
    expect(botMismatches).toEqual([]);
    const activityMismatches = await t.app.db.query(
      `SELECT coalesce(a.send_id, e.send_id) AS send_id, coalesce(a.at, e.at) AS at FROM
         (SELECT send_id, at, opens, clicks, mpp_opens, bot_opens, bot_clicks FROM send_activity WHERE org_id = $1) a
       FULL JOIN
         (SELECT send_id, date_bin('15 minutes', occurred_at, TIMESTAMPTZ '2000-01-01 00:00Z') AS at,
                 count(*) FILTER (WHERE counted AND kind = 'OPEN') AS opens, count(*) FILTER (WHERE counted AND kind = 'CLICK') AS clicks,
                 count(*) FILTER (WHERE counted AND mpp) AS mpp_opens, count(*) FILTER (WHERE bot AND kind = 'OPEN') AS bot_opens,
                 count(*) FILTER (WHERE bot AND kind = 'CLICK') AS bot_clicks
          FROM tracking_events WHERE org_id = $1 AND (counted OR bot) GROUP BY 1, 2) e
       ON e.send_id = a.send_id AND e.at = a.at
       WHERE (a.opens, a.clicks, a.mpp_opens, a.bot_opens, a.bot_clicks) IS DISTINCT FROM (e.opens, e.clicks, e.mpp_opens, e.bot_opens, e.bot_clicks)`,
      [org],
    );
    expect(activityMismatches).toEqual([]);
  });

  it('leaves timelines equal to a direct count of its raw events', async () => {
    const token = await tokenFor(org, 'boss', 'admin');
    const range = { from: new Date(now.getTime() - 45 * 86_400_000).toISOString(), to: now.toISOString() };
    const direct = async (campaign: string | null, sender: string | null = null) => {
      const rows: { opens: number; bots: number }[] = await t.app.db.query(
        `SELECT count(*) FILTER (WHERE e.counted AND e.kind = 'OPEN')::int AS opens, count(*) FILTER (WHERE e.bot)::int AS bots
         FROM tracking_events e JOIN sends s ON s.org_id = e.org_id AND s.id = e.send_id
         WHERE s.org_id = $1 AND s.tracked AND s.sent_at >= $2 AND s.sent_at < $3 AND ($4::text IS NULL OR s.campaign_id = $4)
           AND ($5::text IS NULL OR s.sender_id = $5)`,
        [org, range.from, range.to, campaign, sender],
      );
      return rows[0];
    };
    const sum = (points: { opens: number; botOpens: number; botClicks: number }[]) => ({
      opens: points.reduce((total, point) => total + point.opens, 0),
      bots: points.reduce((total, point) => total + point.botOpens + point.botClicks, 0),
    });
    const overview = await gql(t.url, TimelineDocument, { range, granularity: 'DAY' }, token);
    expect(sum(overview.data?.timeline ?? [])).toEqual(await direct(null));
    const campaign = await gql(t.url, CampaignTimelineDocument, { id: 'campaign-001', range, granularity: 'DAY' }, token);
    expect(sum(campaign.data?.campaign?.timeline ?? [])).toEqual(await direct('campaign-001'));
    const partner = await gql(t.url, TimelineDocument, { range, granularity: 'DAY' }, await tokenFor(org, 'sender-02', 'partner'));
    expect(sum(partner.data?.timeline ?? [])).toEqual(await direct(null, 'sender-02'));
  });

  it('leaves stats equal to a direct count over its sends', async () => {
    for (const [userId, role, sender] of [['boss', 'admin', undefined], ['sender-02', 'partner', 'sender-02']] as const) {
      const result = await gql(t.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, await tokenFor(org, userId, role));
      expect(result.data?.overview.sends).toBeGreaterThan(0);
      expect(result.data?.overview).toEqual(await directFigures(t.app.db, org, { to: new Date(), sender }));
    }
  });

  it('gives its readers real domains and mail clients: each client row a count over the raw events, each UA parsed to its client', async () => {
    const sends: { recipient_domain: string; mailbox_provider: string }[] = await t.app.db.query(
      `SELECT DISTINCT recipient_domain, mailbox_provider FROM sends WHERE org_id = $1`,
      [org],
    );
    for (const row of sends) expect([row.recipient_domain, row.mailbox_provider]).toEqual([row.recipient_domain, providerOfDomain(row.recipient_domain)]);
    expect(new Set(sends.map((row) => row.mailbox_provider)).size).toBeGreaterThan(5);

    const parser = new MailClientParser();
    const agents: { user_agent: string; client: string; device: string; mpp: boolean }[] = await t.app.db.query(
      `SELECT DISTINCT user_agent, client, device, mpp FROM tracking_events WHERE org_id = $1 AND counted`,
      [org],
    );
    for (const agent of agents) {
      expect([agent.user_agent, parser.clientOf({ userAgent: agent.user_agent, mpp: agent.mpp, botReason: null })]).toEqual([
        agent.user_agent,
        { client: agent.client, device: agent.device },
      ]);
    }

    const result = await gql(t.url, OverviewBreakdownDocument, { by: 'EMAIL_CLIENT', range: { preset: 'ALL_TIME' }, limit: 100 }, await tokenFor(org, 'boss', 'admin'));
    const direct: { key: string; sends: number; opens: number; clicks: number; mpp_opens: number }[] = await t.app.db.query(
      `SELECT e.client AS key, count(DISTINCT e.send_id)::int AS sends, count(*) FILTER (WHERE e.kind = 'OPEN')::int AS opens,
              count(*) FILTER (WHERE e.kind = 'CLICK')::int AS clicks, count(*) FILTER (WHERE e.mpp)::int AS mpp_opens
       FROM tracking_events e JOIN sends s ON s.org_id = e.org_id AND s.id = e.send_id
       WHERE e.org_id = $1 AND e.counted AND s.tracked GROUP BY 1 ORDER BY 2 DESC, 1`,
      [org],
    );
    expect(result.data!.breakdown.map((row) => ({ key: row.key, sends: row.sends, opens: row.opens, clicks: row.clicks, mpp_opens: row.mppOpens }))).toEqual(direct);
  });
});

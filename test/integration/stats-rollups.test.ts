// The rollups stay exact: whatever happens to sends and links (new sends,
// the event writer's counters, the webhooks' status changes, and even moves
// and deletes through move-sends.ts), every figure equals a straightforward
// aggregation over sends, on random ranges, with deltas pending and after
// compaction.
import { randomBytes } from 'node:crypto';
import { CampaignDrillDownDocument, CampaignsDocument, OverviewDocument, TemplateDrillDownDocument, TemplatesDocument } from '../generated/graphql';
import type { TrackingEventInput } from '../../src/events/event';
import { writeEvents } from '../../src/events/write-events';
import { deleteSends, moveSends } from '../../src/rollups/move-sends';
import { compactSendStats } from '../../src/stats/compaction';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { eventData, jsonBody, PLATFORM_KEY, postJson } from '../support/mailgun';
import { directFigures, directLinks, insertSends, seededRandom, type SendSpec } from './stats-fixtures';

let t: TestApp;
const org = uniqueOrg('rollups');
const random = seededRandom(20_250_601);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (max: number) => Math.floor(random() * (max + 1));

const START = Date.parse('2025-01-01T00:00:00Z');
const SPAN = Date.parse('2025-06-01T00:00:00Z') - START;
const DAY = 86_400_000;
let ids: string[] = [];
let admin: string;
let partner: string;

function randomSend(): SendSpec {
  // A quarter of the sends sit exactly on a day boundary, where off-by-one errors live.
  const at = START + (random() < 0.25 ? Math.floor(random() * 151) * DAY : Math.floor(random() * SPAN));
  const opens = random() < 0.5 ? int(4) : 0;
  return {
    sentAt: new Date(at),
    sender: pick(['u1', 'u2', 'u3']),
    campaign: pick(['c1', 'c2', 'c3', null]),
    template: pick(['t1', 't2', null]),
    status: pick(['SENT', 'SENT', 'SENT', 'DEFERRED', 'FAILED']),
    opens,
    mppOpens: Math.min(opens, int(2)),
    clicks: random() < 0.3 ? int(3) : 0,
    botOpens: random() < 0.2 ? int(3) : 0,
    botClicks: random() < 0.2 ? int(2) : 0,
    tracked: random() < 0.85,
    // The same URL may sit at two positions of one email.
    links: Array.from({ length: int(3) }, () => ({ url: pick(URLS), clicks: random() < 0.3 ? int(2) : 0 })),
  };
}
const URLS = ['https://a.example/', 'https://b.example/x?y=1', 'https://c.example/', 'https://d.example/'];

function randomRanges(count: number): { from?: string; to?: string; preset?: 'ALL_TIME' }[] {
  const ranges: { from?: string; to?: string; preset?: 'ALL_TIME' }[] = [
    { preset: 'ALL_TIME' },
    { from: '2025-02-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' },
    { from: '2025-01-10T00:00:00.000Z', to: '2025-05-20T00:00:00.000Z' },
    { from: '2025-03-03T11:00:00.000Z', to: '2025-03-03T12:00:00.000Z' },
    { to: '2025-03-15T06:30:00.000Z' },
  ];
  while (ranges.length < count) {
    const from = START - 5 * DAY + Math.floor(random() * (SPAN + 10 * DAY));
    const length = random() < 0.3 ? Math.floor(random() * 2 * DAY) + 1 : Math.floor(random() * 120 * DAY) + 1;
    ranges.push({ from: new Date(from).toISOString(), to: new Date(from + length).toISOString() });
  }
  return ranges;
}
const ranges = randomRanges(12);

const bounds = (range: { from?: string; to?: string }) => ({
  from: range.from ? new Date(range.from) : null,
  to: range.to ? new Date(range.to) : new Date(),
});

/** Every figure of overview, campaigns and templates, for an admin and a partner, against sends. */
async function expectExact(): Promise<void> {
  for (const range of ranges) {
    const selection = bounds(range);
    const overview = await gql(t.url, OverviewDocument, { range }, admin);
    expect({ range, overview: overview.data?.overview }).toEqual({ range, overview: await directFigures(t.app.db, org, selection) });
    const mine = await gql(t.url, OverviewDocument, { range }, partner);
    expect({ range, mine: mine.data?.overview }).toEqual({ range, mine: await directFigures(t.app.db, org, { ...selection, sender: 'u1' }) });
    const campaigns = await gql(t.url, CampaignsDocument, { range }, admin);
    for (const row of campaigns.data?.campaigns ?? []) {
      expect({ range, row: row.id, stats: row.stats }).toEqual({ range, row: row.id, stats: await directFigures(t.app.db, org, { ...selection, campaign: row.id }) });
    }
    for (const [token, sender] of [[admin, undefined], [partner, 'u1']] as const) {
      for (const campaign of ['c1']) {
        const drill = await gql(t.url, CampaignDrillDownDocument, { id: campaign, range }, token);
        const expected = await directLinks(t.app.db, org, { ...selection, sender, campaign });
        expect({ range, campaign, sender, links: drill.data?.campaign?.links ?? [] }).toEqual({ range, campaign, sender, links: expected });
      }
      for (const template of ['t1', 'ad-hoc']) {
        const drill = await gql(t.url, TemplateDrillDownDocument, { id: template, range }, token);
        const expected = await directLinks(t.app.db, org, { ...selection, sender, template: template === 'ad-hoc' ? null : template });
        expect({ range, template, sender, links: drill.data?.template?.links ?? [] }).toEqual({ range, template, sender, links: expected });
      }
    }
    const templates = await gql(t.url, TemplatesDocument, { range }, partner);
    for (const row of templates.data?.templates ?? []) {
      const template = row.id === 'ad-hoc' ? null : row.id;
      const expected = await directFigures(t.app.db, org, { ...selection, sender: 'u1', template });
      expect({ range, row: row.id, stats: row.stats }).toEqual({ range, row: row.id, stats: expected });
    }
  }
}

/** After compaction the rollup rows equal sends regrouped: the organisation's by day and month, each sender's by month (rows emptied by a move or delete are all zeros). */
async function expectRollupRowsExact(): Promise<void> {
  await compactSendStats(t.app.db);
  const figures = `sends::int, untracked_sends::int, failed::int, opened::int, clicked::int, human_opened::int, opens::int, clicks::int,
    mpp_opens::int, bot_opens::int, bot_clicks::int, last_sent_at`;
  const stored = await t.app.db.query(
    `SELECT scope, sender_id, grain, bucket::text, campaign_key, template_key, ${figures}
     FROM send_stats_rollups WHERE org_id = $1 AND (sends <> 0 OR untracked_sends <> 0) ORDER BY 1, 2, 3, 4, 5, 6`,
    [org],
  );
  const empty = await t.app.db.query(
    `SELECT count(*)::int AS n FROM send_stats_rollups
     WHERE org_id = $1 AND sends = 0 AND untracked_sends = 0
       AND ((failed, opened, clicked, human_opened, opens, clicks, mpp_opens, bot_opens, bot_clicks) <> (0, 0, 0, 0, 0, 0, 0, 0, 0)
            OR last_sent_at IS NOT NULL)`,
    [org],
  );
  const expected = await t.app.db.query(
    `SELECT k.scope, k.sender_id, k.grain,
            (CASE k.grain WHEN 'day' THEN x.day ELSE date_trunc('month', x.day)::date END)::text AS bucket,
            coalesce(s.campaign_id, '') AS campaign_key, coalesce(s.template_id, '') AS template_key,
            count(*) FILTER (WHERE tracked)::int AS sends, count(*) FILTER (WHERE NOT tracked)::int AS untracked_sends,
            count(*) FILTER (WHERE tracked AND status = 'FAILED')::int AS failed,
            count(*) FILTER (WHERE tracked AND (opens > 0 OR clicks > 0))::int AS opened,
            count(*) FILTER (WHERE tracked AND clicks > 0)::int AS clicked,
            count(*) FILTER (WHERE tracked AND (opens > mpp_opens OR clicks > 0))::int AS human_opened,
            coalesce(sum(opens) FILTER (WHERE tracked), 0)::int AS opens, coalesce(sum(clicks) FILTER (WHERE tracked), 0)::int AS clicks,
            coalesce(sum(mpp_opens) FILTER (WHERE tracked), 0)::int AS mpp_opens,
            coalesce(sum(bot_opens) FILTER (WHERE tracked), 0)::int AS bot_opens,
            coalesce(sum(bot_clicks) FILTER (WHERE tracked), 0)::int AS bot_clicks, max(sent_at) AS last_sent_at
     FROM sends s
     CROSS JOIN LATERAL (SELECT (s.sent_at AT TIME ZONE 'UTC')::date AS day) x
     CROSS JOIN LATERAL (VALUES ('org', '', 'day'), ('org', '', 'month'), ('sender', s.sender_id, 'month')) AS k(scope, sender_id, grain)
     WHERE s.org_id = $1
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
    [org],
  );
  expect(stored).toEqual(expected);
  expect(empty).toEqual([{ n: 0 }]);
}

async function randomSendIds(count: number): Promise<string[]> {
  return Array.from(new Set(Array.from({ length: count }, () => pick(ids))));
}

/** Opens and clicks of the sends through the real event writer, each from a client of its own: a person's, Apple's proxy or a bot. */
async function writeRandomEvents(sendIds: string[]): Promise<void> {
  const links: { send_id: string; position: number; url: string }[] = await t.app.db.query(
    `SELECT send_id, position, url FROM send_links WHERE org_id = $1 AND send_id = ANY($2)`,
    [org, sendIds],
  );
  const event = (sendId: string, link: { position: number; url: string } | null): TrackingEventInput => {
    const who = random();
    const bot = who < 0.2;
    const mpp = !bot && link === null && who < 0.4;
    return {
      orgId: org, sendId, kind: link ? 'CLICK' : 'OPEN', source: link ? 'REDIRECT' : 'PIXEL', occurredAt: new Date(), countable: !bot, bot,
      botReason: bot ? 'USER_AGENT' : null, mpp, linkPosition: link?.position ?? null, url: link?.url ?? null,
      userAgent: bot ? 'Slackbot 1.0' : mpp ? 'Mozilla/5.0' : 'Mozilla/5.0 (Macintosh)', ipHash: randomBytes(16).toString('hex'),
    };
  };
  const events = sendIds.flatMap((sendId) => [
    ...Array.from({ length: int(3) }, () => event(sendId, null)),
    ...links.filter((link) => link.send_id === sendId && random() < 0.5).map((link) => event(sendId, link)),
  ]);
  await t.app.db.transaction((manager) => writeEvents(manager, events, { maybeRepeated: false }));
}

/** A delivery, a deferral or a bounce of each send, as Mailgun reports it. */
async function postStatuses(sendIds: string[], event: 'delivered' | 'temporary' | 'permanent'): Promise<void> {
  for (const sendId of sendIds) {
    const data = event === 'delivered' ? eventData('delivered', { sendId, orgId: org }) : eventData('failed', { sendId, orgId: org, severity: event });
    expect((await postJson(t.url, jsonBody(PLATFORM_KEY, data))).status).toBe(200);
  }
}

beforeAll(async () => {
  t = await startTestApp({ MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
  admin = await tokenFor(org, 'boss', 'admin');
  partner = await tokenFor(org, 'u1', 'partner');
  // Several statements, as instrumentEmail would make them over time.
  for (let batch = 0; batch < 4; batch++) {
    ids.push(...(await insertSends(t.app.db, org, Array.from({ length: 75 }, randomSend))));
  }
});
afterAll(async () => {
  await t.close();
});

describe('rollups', () => {
  it('are exact for new sends, pending and compacted', async () => {
    await expectExact();
    await expectRollupRowsExact();
    await expectExact();
  });

  it('stay exact as the event writer moves counters and webhooks change statuses', async () => {
    for (let round = 0; round < 5; round++) {
      await writeRandomEvents(await randomSendIds(40));
      await postStatuses(await randomSendIds(10), pick(['permanent', 'temporary', 'delivered'] as const));
      if (round % 2 === 1) await compactSendStats(t.app.db);
    }
    await expectExact();
    await expectRollupRowsExact();
  });

  it('stay exact when sends move in time, change hands, become untracked or go, and new ones come', async () => {
    const sentAt: { id: string; sent_at: Date; tracked: boolean }[] = await t.app.db.query(
      `SELECT id, sent_at, tracked FROM sends WHERE org_id = $1 AND id = ANY($2)`,
      [org, await randomSendIds(30)],
    );
    for (const send of sentAt.slice(0, 20)) await moveSends(t.app.db, org, [send.id], { sentAt: new Date(send.sent_at.getTime() + 17 * DAY + 3 * 3_600_000) });
    await moveSends(t.app.db, org, await randomSendIds(20), { campaignId: 'c2', senderId: 'u1' });
    await moveSends(t.app.db, org, await randomSendIds(10), { templateId: null });
    for (const send of sentAt.slice(20)) await moveSends(t.app.db, org, [send.id], { tracked: !send.tracked });
    ids.push(...(await insertSends(t.app.db, org, Array.from({ length: 15 }, randomSend))));
    const gone = await randomSendIds(20);
    expect(await deleteSends(t.app.db, org, gone)).toBe(gone.length);
    ids = ids.filter((id) => !gone.includes(id));
    await expectExact();
    await expectRollupRowsExact();
  });

  it('keep the latest send time right when the latest send of a day leaves it', async () => {
    const moved = uniqueOrg('latest');
    const token = await tokenFor(moved, 'boss', 'admin');
    const [, late] = await insertSends(t.app.db, moved, [
      { sentAt: '2025-04-10T10:00:00Z', sender: 'u1', campaign: 'c1', template: 't1' },
      { sentAt: '2025-04-10T11:00:00Z', sender: 'u2', campaign: 'c1', template: 't1' },
    ]);
    await compactSendStats(t.app.db);
    await moveSends(t.app.db, moved, [late], { sentAt: new Date('2025-04-12T09:00:00Z') });
    const day = await gql(t.url, CampaignsDocument, { range: { from: '2025-04-10T00:00:00Z', to: '2025-04-11T00:00:00Z' } }, token);
    expect(day.data?.campaigns[0].stats).toEqual(expect.objectContaining({ sends: 1, lastSentAt: '2025-04-10T10:00:00.000Z' }));
    const month = await gql(t.url, CampaignsDocument, { range: { from: '2025-04-01T00:00:00Z', to: '2025-04-11T00:00:00Z' } }, token);
    expect(month.data?.campaigns[0].stats.lastSentAt).toBe('2025-04-10T10:00:00.000Z');
  });

  it('do not change when raw events are pruned', async () => {
    await t.app.db.query(
      `INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp)
       SELECT $1, id, '2025-03-01T00:00:00Z', gen_random_uuid(), 'OPEN', 'PIXEL', true, false, false FROM unnest($2::uuid[]) AS id`,
      [org, ids.slice(0, 50)],
    );
    const before = await gql(t.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, admin);
    await t.app.db.query(`DELETE FROM tracking_events WHERE org_id = $1`, [org]);
    const after = await gql(t.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, admin);
    expect(after.data).toEqual(before.data);
  });
});

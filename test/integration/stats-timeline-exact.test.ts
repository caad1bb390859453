// Timelines stay exact: on random sends and events (written through the real
// event writer), for random ranges whose ends fall inside days and months and
// on their edges, every point equals a direct count of the raw events by
// PostgreSQL's own date_trunc in the time zone: with deltas pending, after
// compaction, after sends move, change hands or go, and after the raw events
// are pruned (the timelines then read only what is kept forever).
import { CampaignTimelineDocument, TemplateTimelineDocument, TimelineDocument, type Granularity } from '../generated/graphql';
import { pruneRawEvents } from '../../src/retention/prune';
import { deleteSends, moveSends } from '../../src/rollups/move-sends';
import { compactSendStats } from '../../src/stats/compaction';
import { tokenFor } from '../support/app';
import { gql } from '../support/graphql-client';
import { startScratchApp, type ScratchApp } from '../support/scratch-app';
import { insertSends, seededRandom, writeTrackingEvents, type EventSpec, type SendSpec } from './stats-fixtures';

const ORG = 'org-timeline-exact';
const random = seededRandom(20_251_102);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00Z');
const SPAN = Date.parse('2025-06-01T00:00:00Z') - START;
let t: ScratchApp;
let ids: string[] = [];
let admin: string;
let partner: string;

interface Case {
  range: { from?: string; to: string };
  granularity: Granularity;
}

function randomCases(count: number): Case[] {
  const cases: Case[] = [
    { range: { from: '2025-02-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' }, granularity: 'DAY' },
    { range: { from: '2025-01-10T00:00:00.000Z', to: '2025-05-20T00:00:00.000Z' }, granularity: 'DAY' },
    { range: { from: '2025-03-03T11:00:00.000Z', to: '2025-03-05T12:00:00.000Z' }, granularity: 'HOUR' },
    { range: { to: '2025-07-01T00:00:00.000Z' }, granularity: 'DAY' },
  ];
  while (cases.length < count) {
    const from = START - 5 * DAY + Math.floor(random() * (SPAN + 10 * DAY));
    const short = random() < 0.3;
    const length = short ? Math.floor(random() * 3 * DAY) + 1 : Math.floor(random() * 120 * DAY) + 1;
    cases.push({ range: { from: new Date(from).toISOString(), to: new Date(from + length).toISOString() }, granularity: short ? 'HOUR' : 'DAY' });
  }
  return cases;
}
const cases = randomCases(10);

function randomSend(): SendSpec {
  const at = START + (random() < 0.25 ? Math.floor(random() * 151) * DAY : Math.floor(random() * SPAN));
  return {
    sentAt: new Date(at),
    sender: pick(['u1', 'u2', 'u3']),
    campaign: pick(['c1', 'c2', null]),
    template: pick(['t1', 't2', null]),
    tracked: random() < 0.85,
  };
}

function randomEvents(sendIds: readonly string[], specs: readonly SendSpec[]): EventSpec[] {
  return sendIds.flatMap((send, index) =>
    Array.from({ length: Math.floor(random() * 5) }, (): EventSpec => {
      const kind = random() < 0.3 ? 'CLICK' : 'OPEN';
      const bot = random() < 0.15;
      return {
        send,
        // mostly soon after the send, some days later, a few on a day boundary
        at: new Date(new Date(specs[index].sentAt).getTime() + (random() < 0.1 ? Math.ceil(random() * 5) * DAY : Math.floor(random() ** 3 * 8 * DAY))),
        kind,
        bot,
        // as the classifier flags them: counted opens only
        mpp: kind === 'OPEN' && !bot && random() < 0.3,
      };
    }),
  );
}

interface Selection {
  sender?: string;
  campaign?: string;
  template?: string | null;
}

/** The points with any event, counted the obvious way from the raw events, within the series the API gave. */
async function directPoints(range: Case['range'], unit: Granularity, timeZone: string, selection: Selection, first: string, last: string) {
  return t.scratch.db.query(
    `WITH bounds AS (SELECT $8::timestamptz AS low,
                            CASE $9 WHEN 'HOUR' THEN $10::timestamptz + interval '1 hour'
                                    ELSE date_trunc('day', $10::timestamptz + interval '36 hours', $11) END AS high)
     SELECT to_char(date_trunc(lower($9), e.occurred_at, $11) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"') AS at,
            count(*) FILTER (WHERE e.counted AND e.kind = 'OPEN')::int AS opens, count(*) FILTER (WHERE e.counted AND e.kind = 'CLICK')::int AS clicks,
            count(*) FILTER (WHERE e.counted AND e.mpp)::int AS "mppOpens", count(*) FILTER (WHERE e.bot AND e.kind = 'OPEN')::int AS "botOpens",
            count(*) FILTER (WHERE e.bot AND e.kind = 'CLICK')::int AS "botClicks"
     FROM tracking_events e JOIN sends s ON s.org_id = e.org_id AND s.id = e.send_id, bounds
     WHERE s.org_id = $1 AND s.tracked AND ($2::timestamptz IS NULL OR s.sent_at >= $2) AND s.sent_at < $3
       AND ($4::text IS NULL OR s.sender_id = $4) AND ($5::text IS NULL OR s.campaign_id = $5) AND (NOT $6 OR s.template_id IS NOT DISTINCT FROM $7)
       AND (e.counted OR e.bot) AND e.occurred_at >= bounds.low AND e.occurred_at < bounds.high
     GROUP BY 1 ORDER BY 1`,
    [ORG, range.from ?? null, range.to, selection.sender ?? null, selection.campaign ?? null, selection.template !== undefined,
      selection.template ?? null, first, unit, last, timeZone],
  );
}

type Point = { at: string; opens: number; clicks: number; mppOpens: number; botOpens: number; botClicks: number };

async function expectExact(): Promise<void> {
  for (const { range, granularity } of cases) {
    const views: [string, Selection, string, Promise<Point[] | undefined>][] = [
      ['overview', {}, 'UTC', gql(t.url, TimelineDocument, { range, granularity }, admin).then((r) => r.data?.timeline)],
      ['mine', { sender: 'u1' }, 'America/New_York', gql(t.url, TimelineDocument, { range, granularity, timeZone: 'America/New_York' }, partner).then((r) => r.data?.timeline)],
      ['c1', { campaign: 'c1' }, 'Asia/Kolkata', gql(t.url, CampaignTimelineDocument, { id: 'c1', range, granularity, timeZone: 'Asia/Kolkata' }, admin).then((r) => r.data?.campaign?.timeline)],
      ['my c1', { campaign: 'c1', sender: 'u1' }, 'UTC', gql(t.url, CampaignTimelineDocument, { id: 'c1', range, granularity }, partner).then((r) => r.data?.campaign?.timeline)],
      ['t1', { template: 't1' }, 'Asia/Kathmandu', gql(t.url, TemplateTimelineDocument, { id: 't1', range, granularity, timeZone: 'Asia/Kathmandu' }, admin).then((r) => r.data?.template?.timeline)],
      ['my ad-hoc', { template: null, sender: 'u1' }, 'UTC', gql(t.url, TemplateTimelineDocument, { id: 'ad-hoc', range, granularity }, partner).then((r) => r.data?.template?.timeline)],
    ];
    for (const [view, selection, timeZone, answer] of views) {
      const points = (await answer) ?? [];
      expect(points.length).toBeGreaterThan(0);
      const nonZero = points.filter((point) => point.opens + point.clicks + point.botOpens + point.botClicks > 0);
      const direct = await directPoints(range, granularity, timeZone, selection, points[0].at, points[points.length - 1].at);
      expect({ range, view, points: nonZero }).toEqual({ range, view, points: direct });
    }
  }
}

beforeAll(async () => {
  t = await startScratchApp();
  admin = await tokenFor(ORG, 'boss', 'admin');
  partner = await tokenFor(ORG, 'u1', 'partner');
  for (let batch = 0; batch < 3; batch++) {
    const specs = Array.from({ length: 80 }, randomSend);
    const batchIds = await insertSends(t.scratch.db, ORG, specs);
    await writeTrackingEvents(t.scratch.db, ORG, randomEvents(batchIds, specs));
    ids.push(...batchIds);
  }
});
afterAll(async () => {
  await t?.close();
});

describe('timelines', () => {
  it('are exact with deltas pending, then compacted', async () => {
    await expectExact();
    await compactSendStats(t.scratch.db);
    await expectExact();
  });

  it('stay exact when sends move, change hands, become untracked or go', async () => {
    const some = () => Array.from(new Set(Array.from({ length: 15 }, () => pick(ids))));
    const state = async (sendIds: string[]): Promise<{ id: string; sent_at: Date; tracked: boolean }[]> =>
      t.scratch.db.query(`SELECT id, sent_at, tracked FROM sends WHERE org_id = $1 AND id = ANY($2)`, [ORG, sendIds]);
    for (const send of await state(some())) await moveSends(t.scratch.db, ORG, [send.id], { sentAt: new Date(send.sent_at.getTime() + 9 * DAY + 5 * 3_600_000) });
    await moveSends(t.scratch.db, ORG, some(), { senderId: 'u1', campaignId: 'c1' });
    await moveSends(t.scratch.db, ORG, some(), { templateId: null });
    for (const send of await state(some())) await moveSends(t.scratch.db, ORG, [send.id], { tracked: !send.tracked });
    const gone = some();
    await deleteSends(t.scratch.db, ORG, gone);
    ids = ids.filter((id) => !gone.includes(id));
    await expectExact();
    const [{ orphans }] = await t.scratch.db.query(`SELECT count(*)::int AS orphans FROM send_activity WHERE org_id = $1 AND send_id = ANY($2)`, [ORG, gone]);
    expect(orphans).toBe(0);
  });

  it('are the same after the raw events are pruned', async () => {
    const snapshot = () =>
      Promise.all(
        cases.flatMap(({ range, granularity }) => [
          gql(t.url, TimelineDocument, { range, granularity, timeZone: 'Asia/Kolkata' }, admin),
          gql(t.url, TimelineDocument, { range, granularity }, partner),
          gql(t.url, CampaignTimelineDocument, { id: 'c2', range, granularity, timeZone: 'America/New_York' }, admin),
          gql(t.url, TemplateTimelineDocument, { id: 't2', range, granularity }, partner),
        ]),
      );
    const before = await snapshot();
    const result = await pruneRawEvents(t.scratch.db, 1, new Date(Date.now() + 2 * DAY));
    expect(result.deleted).toBeGreaterThan(300);
    expect(await snapshot()).toEqual(before);
    await compactSendStats(t.scratch.db);
    expect(await snapshot()).toEqual(before);
  });
});

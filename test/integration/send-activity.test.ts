// The writer's activity by event time: the delta step (src/events/figure-deltas.ts)
// adds a send's changes up per 15-minute bucket, send-activity.ts and the
// rollups' deltas store them in one statement each, negative ones take a
// reclassified event back, untracked sends stay out of the rollups, and two
// writers of sends in the same bucket never wait on each other.
import type { EntityManager } from 'typeorm';
import { TimelineDocument } from '../generated/graphql';
import type { FigureChange } from '../../src/events/figure-change';
import { activityStatsDeltas, sendActivityDeltas } from '../../src/events/figure-deltas';
import { recordSendActivity } from '../../src/events/send-activity';
import { insertActivityDeltas } from '../../src/rollups/activity-deltas';
import type { SendAttribution } from '../../src/rollups/figures';
import { compactSendStats } from '../../src/stats/compaction';
import { writeAlongside } from '../support/concurrent-writers';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { gql } from '../support/graphql-client';
import { insertSends } from './stats-fixtures';

let t: TestApp;
const org = uniqueOrg('activity');
let admin: string;
let sends: string[];
const none = { opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0 };
const RANGE = { from: '2025-04-01T10:00:00Z', to: '2025-04-01T13:00:00Z' };

/** An event of `kind` at `at` that is counted (+1), taken back (-1) or a machine's (bot). */
const change = (sendId: string, at: string, kind: 'OPEN' | 'CLICK', counts: { counted?: -1 | 0 | 1; bot?: 0 | 1; mpp?: boolean } = {}): FigureChange => ({
  sendId, kind, at: Date.parse(at), mpp: counts.mpp ?? false, counted: counts.counted ?? (counts.bot ? 0 : 1), bot: counts.bot ?? 0,
  linkPosition: null, url: null, ipHash: null, webhook: false,
});

/** The sends' attribution, as the event writer has it from locking them. */
let attribution: Map<string, SendAttribution>;

/** The writer's two activity statements, in the caller's transaction. */
async function store(manager: EntityManager, changes: FigureChange[]): Promise<void> {
  const activity = sendActivityDeltas(changes);
  await recordSendActivity(manager, org, activity);
  await insertActivityDeltas(manager, org, activityStatsDeltas(activity, attribution));
}

/** Inside a transaction with the sends locked, as the event writer calls it. */
async function record(changes: FigureChange[]): Promise<void> {
  await t.app.db.transaction(async (manager) => {
    await manager.query(`SELECT 1 FROM sends WHERE org_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`, [org, changes.map((d) => d.sendId)]);
    await store(manager, changes);
  });
}

async function perSend(sendId: string) {
  return t.app.db.query(
    `SELECT at, opens, clicks, mpp_opens, bot_opens, bot_clicks FROM send_activity WHERE org_id = $1 AND send_id = $2 ORDER BY at`,
    [org, sendId],
  );
}

beforeAll(async () => {
  t = await startTestApp();
  admin = await tokenFor(org, 'boss', 'admin');
  sends = await insertSends(t.app.db, org, [
    { sentAt: '2025-04-01T10:00:00Z' },
    { sentAt: '2025-04-01T10:00:00Z' },
    { sentAt: '2025-04-01T10:00:00Z', tracked: false },
  ]);
  const rows: { id: string; sent_at: Date; sender_id: string; campaign_id: string | null; template_id: string | null; tracked: boolean }[] = await t.app.db.query(
    `SELECT id, sent_at, sender_id, campaign_id, template_id, tracked FROM sends WHERE org_id = $1`,
    [org],
  );
  attribution = new Map(
    rows.map((row) => [row.id, { sentAt: row.sent_at.getTime(), senderId: row.sender_id, campaignId: row.campaign_id, templateId: row.template_id, tracked: row.tracked }]),
  );
});
afterAll(async () => {
  await t.close();
});

describe('activity by event time', () => {
  it('sums the changes of one send per 15-minute bucket', async () => {
    await record([
      change(sends[0], '2025-04-01T10:01:00Z', 'OPEN'),
      change(sends[0], '2025-04-01T10:14:59.999Z', 'OPEN', { mpp: true }),
      change(sends[0], '2025-04-01T10:15:00Z', 'CLICK'),
      change(sends[0], '2025-04-01T11:40:00Z', 'OPEN', { bot: 1 }),
      change(sends[0], '2025-04-01T11:40:00Z', 'CLICK', { bot: 1 }),
      change(sends[0], '2025-04-01T11:41:00Z', 'CLICK', { bot: 1 }),
    ]);
    expect(await perSend(sends[0])).toEqual([
      { at: new Date('2025-04-01T10:00:00Z'), opens: 2, clicks: 0, mpp_opens: 1, bot_opens: 0, bot_clicks: 0 },
      { at: new Date('2025-04-01T10:15:00Z'), opens: 0, clicks: 1, mpp_opens: 0, bot_opens: 0, bot_clicks: 0 },
      { at: new Date('2025-04-01T11:30:00Z'), opens: 0, clicks: 0, mpp_opens: 0, bot_opens: 1, bot_clicks: 2 },
    ]);
  });

  it('takes a reclassified event back with a negative delta, in the timeline too', async () => {
    // the counted click at 10:15 turns out to be a scanner's
    await record([change(sends[0], '2025-04-01T10:20:00Z', 'CLICK', { counted: -1, bot: 1 })]);
    for (const state of ['pending', 'compacted']) {
      if (state === 'compacted') await compactSendStats(t.app.db);
      const result = await gql(t.url, TimelineDocument, { range: RANGE, granularity: 'HOUR' }, admin);
      expect({ state, points: result.data?.timeline }).toEqual({
        state,
        points: [
          { at: '2025-04-01T10:00:00.000Z', ...none, opens: 2, mppOpens: 1, botClicks: 1 },
          { at: '2025-04-01T11:00:00.000Z', ...none, botOpens: 1, botClicks: 2 },
          { at: '2025-04-01T12:00:00.000Z', ...none },
        ],
      });
    }
  });

  it('keeps an untracked send\'s activity out of the rollups and the timeline', async () => {
    await record([1, 2, 3].map((minute) => change(sends[2], `2025-04-01T12:0${minute}:00Z`, 'OPEN')));
    expect(await perSend(sends[2])).toHaveLength(1);
    const [{ pending }] = await t.app.db.query(`SELECT count(*)::int AS pending FROM send_activity_deltas WHERE org_id = $1`, [org]);
    expect(pending).toBe(0);
    const result = await gql(t.url, TimelineDocument, { range: RANGE, granularity: 'HOUR' }, admin);
    expect(result.data?.timeline[2]).toEqual({ at: '2025-04-01T12:00:00.000Z', ...none });
  });

  it('lets writers of different sends in the same bucket go on without waiting', async () => {
    // Were the writer to update a shared rollup row, the second would wait for the first and time out.
    const folded = await writeAlongside(
      t.app.db,
      (manager) => store(manager, [change(sends[0], '2025-04-01T12:01:00Z', 'OPEN')]),
      (manager) => store(manager, [change(sends[1], '2025-04-01T12:02:00Z', 'OPEN')]),
    );
    expect(folded).toBeGreaterThan(0);
    const result = await gql(t.url, TimelineDocument, { range: RANGE, granularity: 'HOUR' }, admin);
    expect(result.data?.timeline[2]).toEqual({ at: '2025-04-01T12:00:00.000Z', ...none, opens: 2 });
  });
});

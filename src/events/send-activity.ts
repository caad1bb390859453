// Activity by event time, kept forever for the timelines (migration
// 1764600000002): per send and 15-minute UTC bucket, the counted opens,
// clicks and MPP opens and the bot opens and clicks; plus insert-only deltas
// of the tracked sends' activity for the rollups, folded by compaction.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { sendKey, type TrackingEventInput } from './event';

export interface ActivityDelta {
  orgId: string;
  sendId: string;
  at: Date;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
}

/** Every time zone's offset and clock change is a multiple of 15 minutes: local hours and days are whole buckets. */
export const ACTIVITY_BUCKET_MS = 15 * 60_000;

// One statement: the per-send rows (the sends are locked by the writer, so no
// other writer can touch them), then the rollup deltas, insert-only so
// concurrent writers never meet on a shared row. Sends by primary key.
const RECORD_ACTIVITY = {
  name: 'events_record_send_activity',
  text: `WITH d AS (
           SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[], $4::integer[], $5::integer[], $6::integer[],
                                $7::integer[], $8::integer[])
             AS d(org_id, send_id, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
         ), kept AS (
           INSERT INTO send_activity AS a (org_id, send_id, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
           SELECT d.* FROM d JOIN sends s ON s.org_id = d.org_id AND s.id = d.send_id
           ON CONFLICT (org_id, send_id, at) DO UPDATE SET
             opens = a.opens + excluded.opens, clicks = a.clicks + excluded.clicks, mpp_opens = a.mpp_opens + excluded.mpp_opens,
             bot_opens = a.bot_opens + excluded.bot_opens, bot_clicks = a.bot_clicks + excluded.bot_clicks
           RETURNING 1
         )
         INSERT INTO send_activity_deltas (org_id, send_day, sender_id, campaign_key, template_key, at,
                                           opens, clicks, mpp_opens, bot_opens, bot_clicks)
         SELECT d.org_id, (s.sent_at AT TIME ZONE 'UTC')::date, s.sender_id, coalesce(s.campaign_id, ''), coalesce(s.template_id, ''), d.at,
                sum(d.opens), sum(d.clicks), sum(d.mpp_opens), sum(d.bot_opens), sum(d.bot_clicks)
         FROM d JOIN sends s ON s.org_id = d.org_id AND s.id = d.send_id
         WHERE s.tracked
         GROUP BY 1, 2, 3, 4, 5, 6`,
};

const bucketOf = (at: Date) => Math.floor(at.getTime() / ACTIVITY_BUCKET_MS) * ACTIVITY_BUCKET_MS;

/** Inside the writer's transaction, with the sends' rows locked FOR UPDATE in key order. Deltas may be negative (an event reclassified later from counted to bot). */
export async function recordSendActivity(db: EntityManager, deltas: readonly ActivityDelta[]): Promise<void> {
  // Grouped per (send, bucket): one statement may not upsert a row twice.
  const grouped = new Map<string, ActivityDelta>();
  for (const delta of deltas) {
    const at = bucketOf(delta.at);
    const key = `${sendKey(delta.orgId, delta.sendId)} ${at}`;
    const sum = grouped.get(key) ?? { ...delta, at: new Date(at), opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0 };
    sum.opens += delta.opens;
    sum.clicks += delta.clicks;
    sum.mppOpens += delta.mppOpens;
    sum.botOpens += delta.botOpens;
    sum.botClicks += delta.botClicks;
    grouped.set(key, sum);
  }
  const rows = [...grouped.values()].filter((row) => row.opens || row.clicks || row.mppOpens || row.botOpens || row.botClicks);
  if (rows.length === 0) return;
  await runPrepared(db, RECORD_ACTIVITY, [
    rows.map((row) => row.orgId),
    rows.map((row) => row.sendId),
    rows.map((row) => row.at.toISOString()),
    rows.map((row) => row.opens),
    rows.map((row) => row.clicks),
    rows.map((row) => row.mppOpens),
    rows.map((row) => row.botOpens),
    rows.map((row) => row.botClicks),
  ]);
}

/** What a written batch adds: `counted` per event (stored and counted), `bots` per event (a stored bot event). */
export function activityOf(events: readonly TrackingEventInput[], counted: readonly boolean[], bots: readonly boolean[]): ActivityDelta[] {
  const deltas: ActivityDelta[] = [];
  events.forEach((event, index) => {
    if (!counted[index] && !bots[index]) return;
    const open = event.kind === 'OPEN';
    const human = counted[index];
    deltas.push({
      orgId: event.orgId,
      sendId: event.sendId,
      at: event.occurredAt,
      opens: human && open ? 1 : 0,
      clicks: human && !open ? 1 : 0,
      mppOpens: human && open && event.mpp ? 1 : 0,
      botOpens: !human && open ? 1 : 0,
      botClicks: !human && !open ? 1 : 0,
    });
  });
  return deltas;
}

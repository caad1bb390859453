// Activity by event time, kept forever for the timelines (migration
// 1764600000003): per send and 15-minute UTC bucket, the counted opens,
// clicks and MPP opens and the bot opens and clicks. One statement per batch;
// the rows belong to the batch's sends, which the writer holds locked, so no
// other writer touches them. The organisation is $1: one shard on Citus.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import type { SendActivityDelta } from './figure-deltas';

// Grouped per (send, bucket) by the delta step: one statement may not upsert a row twice.
const RECORD_ACTIVITY = {
  name: 'events_record_send_activity_v4',
  text: `INSERT INTO send_activity AS a (org_id, send_id, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
         SELECT $1::text, send_id, to_timestamp(at / 1000.0), opens, clicks, mpp_opens, bot_opens, bot_clicks
         FROM unnest($2::uuid[], $3::float8[], $4::integer[], $5::integer[], $6::integer[], $7::integer[], $8::integer[])
           AS d(send_id, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
         ON CONFLICT (org_id, send_id, at) DO UPDATE SET
           opens = a.opens + excluded.opens, clicks = a.clicks + excluded.clicks, mpp_opens = a.mpp_opens + excluded.mpp_opens,
           bot_opens = a.bot_opens + excluded.bot_opens, bot_clicks = a.bot_clicks + excluded.bot_clicks`,
};

export async function recordSendActivity(db: EntityManager, orgId: string, rows: readonly SendActivityDelta[]): Promise<void> {
  if (rows.length === 0) return;
  await runPrepared(db, RECORD_ACTIVITY, [
    orgId,
    rows.map((row) => row.sendId),
    rows.map((row) => row.at),
    rows.map((row) => row.opens),
    rows.map((row) => row.clicks),
    rows.map((row) => row.mppOpens),
    rows.map((row) => row.botOpens),
    rows.map((row) => row.botClicks),
  ]);
}

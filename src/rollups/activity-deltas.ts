// Insert-only rows of send_activity_deltas (migration 1764600000003): the
// tracked sends' activity by event time, per send day, sender, campaign,
// template and 15-minute bucket, folded by compaction into the timelines'
// rollups. One statement per call, the organisation a scalar.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import type { ActivityCounts, RollupKey } from './figures';

/** A rollup group's activity in one bucket (`at`, epoch milliseconds of its start). */
export interface ActivityStatsDelta extends RollupKey, ActivityCounts {
  at: number;
}

const INSERT_ACTIVITY_DELTAS = {
  name: 'rollups_activity_deltas_v1',
  text: `INSERT INTO send_activity_deltas (org_id, send_day, sender_id, campaign_key, template_key, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
         SELECT $1::text, date '1970-01-01' + d.day, d.sender_id, d.campaign_key, d.template_key, to_timestamp(d.at / 1000.0),
                d.opens, d.clicks, d.mpp_opens, d.bot_opens, d.bot_clicks
         FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])
           AS d(day, sender_id, campaign_key, template_key, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)`,
};

export async function insertActivityDeltas(db: EntityManager, orgId: string, deltas: readonly ActivityStatsDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await runPrepared(db, INSERT_ACTIVITY_DELTAS, [
    orgId,
    deltas.map((delta) => delta.day),
    deltas.map((delta) => delta.senderId),
    deltas.map((delta) => delta.campaignKey),
    deltas.map((delta) => delta.templateKey),
    deltas.map((delta) => delta.at),
    deltas.map((delta) => delta.opens),
    deltas.map((delta) => delta.clicks),
    deltas.map((delta) => delta.mppOpens),
    deltas.map((delta) => delta.botOpens),
    deltas.map((delta) => delta.botClicks),
  ]);
}
